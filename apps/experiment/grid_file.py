"""A grid file (psml_experiment.py's docstring, docs/experiments.md): read, checked, and expanded
into its points, each with its id, run folder and psml train options."""

import itertools
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass

from psml_tools import ToolError
from train_options import applies

DRIVER_OPTIONS = ("workers", "bandwidth", "hosts")  # axes of the driver, not of psml train
SET_BY_DRIVER = ("config", "run-dir", "metrics", "resume", "print-config", "print-option-rules")
GRID_FILE_KEYS = ("name", "out", "target_accuracy", "timeout_s", "base", "grid")
DEFAULT_TIMEOUT_S = 600


@dataclass
class Grid:
    path: str
    name: str
    out: str
    target_accuracy: float | None
    timeout_s: float
    base: dict
    axes: dict  # axis name -> its values, in the file's order


@dataclass
class Point:
    id: str
    folder: str  # the run folder's name
    axes: dict  # the grid values that apply to this point
    options: dict  # psml train options: base and axes, less the driver's and the other mode's
    mode: str
    workers: int
    servers: int  # 0 in allreduce mode
    bandwidth: str | None  # None: a local run
    hosts: int | None

    @property
    def ranks(self):
        return self.workers + self.servers


def value_text(value):
    """A grid value as the ids, the CSV and the plots write it: lists joined by '/'."""
    if isinstance(value, list):
        return "/".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_option_value(value):
    """Whether psml train's TOML reads it: a string, number, boolean or a list of those."""
    if isinstance(value, list):
        return all(is_option_value(v) and not isinstance(v, list) for v in value)
    return isinstance(value, (str, int, float, bool))


def check_option(path, table, key, value, train_options):
    where = f"{path}: [{table}] {key}"
    shown = json.dumps(value, default=str)  # a TOML date is no option value either
    if key in SET_BY_DRIVER:
        raise ToolError(f"{where}: set by psml experiment for each point, not by the grid")
    if key not in DRIVER_OPTIONS and key not in train_options:
        raise ToolError(f"{where}: not a psml train option (psml train --print-config)")
    if key in ("workers", "hosts") and not (type(value) is int and value > 0):
        raise ToolError(f"{where}: {shown} is not a positive integer")
    if key == "bandwidth" and not (isinstance(value, str) and value):
        raise ToolError(f"{where}: {shown} is not a rate such as \"1gbit\"")
    if not is_option_value(value):
        raise ToolError(f"{where}: {shown} is not a string, number, boolean or list of those")


def load_grid(path, train_options, out=None):
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise ToolError(f"{path}: cannot read it ({e.strerror})") from e
    except tomllib.TOMLDecodeError as e:
        raise ToolError(f"{path}: not TOML ({e})") from e
    for key in doc:
        if key not in GRID_FILE_KEYS:
            raise ToolError(f"{path}: unknown key '{key}' (the keys: {', '.join(GRID_FILE_KEYS)})")
    base, axes = doc.get("base", {}), doc.get("grid", {})
    if not isinstance(base, dict) or not isinstance(axes, dict):
        raise ToolError(f"{path}: [base] and [grid] must be tables")
    if not axes:
        raise ToolError(f"{path}: [grid] is empty: nothing to vary")
    for key, value in base.items():
        check_option(path, "base", key, value, train_options)
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ToolError(f"{path}: [grid] {key}: must be a non-empty list of values")
        for value in values:
            check_option(path, "grid", key, value, train_options)
    name = doc.get("name", os.path.splitext(os.path.basename(path))[0])
    out = out or doc.get("out", f"experiments/{name}")
    if not (isinstance(name, str) and isinstance(out, str) and name and out):
        raise ToolError(f"{path}: name and out must be non-empty strings")
    target, timeout_s = doc.get("target_accuracy"), doc.get("timeout_s", DEFAULT_TIMEOUT_S)
    if target is not None and not (isinstance(target, (int, float)) and 0 < target <= 1):
        raise ToolError(f"{path}: target_accuracy {target!r} is not in (0, 1]")
    if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
        raise ToolError(f"{path}: timeout_s {timeout_s!r} is not a positive number")
    return Grid(path=path, name=name, out=out,
                target_accuracy=target, timeout_s=timeout_s, base=base, axes=axes)


def folder_name(point_id):
    """The run folder of an id: 'mode=ps,consistency=ssp:2' -> 'mode-ps_consistency-ssp-2'."""
    return "_".join(re.sub(r"[^A-Za-z0-9.+]+", "-", part) for part in point_id.split(","))


def expand(grid, rules):
    """Every combination of the grid's values, as points, less repeats (psml_experiment.py's
    docstring); `rules`: train_options.option_rules()."""
    points, seen = [], {}
    for values in itertools.product(*grid.axes.values()):
        settings = {**grid.base, **dict(zip(grid.axes, values))}
        mode = settings.get("mode", "allreduce")
        bandwidth = settings.get("bandwidth")
        local = bandwidth in (None, "local")
        texts = {k: value_text(v) for k, v in settings.items()}
        settings = {k: v for k, v in settings.items() if applies(k, texts, rules, local)}
        axes = {k: settings[k] for k in grid.axes if k in settings}
        point_id = ",".join(f"{k}={value_text(v)}" for k, v in axes.items())
        if point_id in seen:
            continue
        folder = folder_name(point_id)
        if folder in seen.values():
            raise ToolError(f"{grid.path}: points '{point_id}' and another share the run folder "
                            f"name '{folder}': make their values differ in letters or digits")
        seen[point_id] = folder
        points.append(Point(
            id=point_id, folder=folder, axes=axes, mode=mode,
            options={k: v for k, v in settings.items() if k not in DRIVER_OPTIONS},
            workers=settings.get("workers", 1),
            servers=settings.get("servers", 1) if mode == "ps" else 0,
            bandwidth=None if local else bandwidth, hosts=settings.get("hosts")))
    return points


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    return repr(value)


def point_toml(point):
    """The point's train options as the TOML file psml train --config reads."""
    options = "".join(f"{key} = {toml_value(value)}\n" for key, value in point.options.items())
    return f"# psml experiment point {point.id}\n{options}"
