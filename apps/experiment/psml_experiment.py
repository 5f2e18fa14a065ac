"""psml experiment: run a grid of psml training runs and summarise and plot them.

    psml experiment GRID.toml [--resume] [--out DIR] [--dry-run] [--psml PATH] [--mpirun CMD]

A grid file (TOML) names the train options every point gets and the axes to vary:

    name = "mlp-scaling"                # for titles; default: the file's name
    out = "experiments/mlp-scaling"     # where run folders, summaries and plots go (this default)
    target_accuracy = 0.85              # for time to accuracy (optional)
    timeout_s = 300                     # per point (default 600)
    [base]                              # train options every point gets: psml train --config keys
    data = "data/fmnist-train.h5"
    model = "mlp"
    hidden = [256, 128]
    epochs = 3
    [grid]                              # every combination of these lists
    mode = ["allreduce", "ps"]
    workers = [1, 2, 4]
    consistency = ["bsp", "ssp:2", "async"]

Keys of [base] and [grid] are psml train options (checked against `psml train --print-config`)
except three the driver uses: `workers` (worker ranks, default 1: a run has `workers` ranks in
allreduce mode, `workers + servers` in ps mode), `bandwidth` (a link rate such as "100mbit" or
"1gbit": the point runs on the emulated cluster, cluster/local/run.sh; "local" or absent: mpirun on
this machine) and `hosts` (the emulated cluster's hosts, default one per rank). An option that
does not apply to a point (by psml train's own rules, `psml train --print-option-rules`: servers,
consistency, key-layout, ps-transport in allreduce mode; allreduce, bucket-mb, sparse-exchange in
ps mode; the L-BFGS options without solver = "lbfgs"; ...) and `hosts` in a local point are dropped
from that point, and points left the same are run once. Relative paths (out, data files) are
relative to the folder psml experiment runs in.

Each point has an id made of its grid values ("mode=ps,workers=2,consistency=bsp") and a run folder
OUT/runs/<id with = and , as - and _>, which holds point.toml (the options it was given), psml's
config.toml and metrics.jsonl (docs/runs.md), output.log (everything it printed) and result.json
(its summary record). The driver runs, in the folder it was started in,

    MPIRUN -np RANKS PSML train --config RUN/point.toml --run-dir RUN --quiet

or `cluster/local/run.sh --hosts H --rate BANDWIDTH --ranks RANKS -- PSML train ...`. A point that
exits non-zero is "failed" with its last `psml: error:` line (else its exit status); one still
running after timeout_s is stopped (SIGTERM, SIGKILL 30 s later) and is "timeout". Either way the
grid goes on (Ctrl-C or SIGTERM stops the running point the same way and ends the driver). After
each point OUT/summary.csv and OUT/summary.jsonl hold one record per point so far
(docs/experiments.md lists the fields); at the end the plots go to OUT: scaling.png, efficiency.png,
time_to_accuracy.png, communication_share.png and staleness.png, each skipped with a note where the
grid does not vary what it shows. `--resume` re-reads, instead of running, every point whose run
folder has the same point.toml and an "ok" result.json or a metrics.jsonl with all its epochs.

A bad grid or command line is one line on stderr, `psml experiment: error: FILE: PROBLEM`, and
exit code 1 (2 for a bad command line); failed points are results, not errors (exit code 0).
Needs Python 3.11 (tomllib) with matplotlib.
"""

import argparse
import csv
import io
import itertools
import json
import math
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import textwrap
import time
import tomllib
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402 (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402

DRIVER_OPTIONS = ("workers", "bandwidth", "hosts")  # axes of the driver, not of psml train
SET_BY_DRIVER = ("config", "run-dir", "metrics", "resume", "print-config", "print-option-rules")
GRID_FILE_KEYS = ("name", "out", "target_accuracy", "timeout_s", "base", "grid")
DEFAULT_TIMEOUT_S = 600
KILL_GRACE_S = 30  # after SIGTERM: psml's own --grace-seconds is 20
SPLIT = ("compute", "communication", "wait", "optimizer")  # the metrics' <part>_s fields
FIXED_COLUMNS = ("id", "status", "error", "mode", "workers", "servers", "consistency")
RESULT_COLUMNS = ("ranks", "epochs", "samples_per_second", "time_to_target_s", "final_accuracy",
                  *(f"{part}_share" for part in SPLIT), "bytes_sent_per_step", "max_clock_gap",
                  "staleness_mean", "elapsed_s", "run_dir")
DPI = 100
LINE_SIZE = (8, 5)  # inches at 100 dpi: 800 x 500 px (scaling, efficiency, staleness)
BAR_SIZE = (10, 6)  # 1000 x 600 px (time to accuracy, communication share)


class ExperimentError(Exception):
    """A problem with the grid, an input or an output; the message names the file."""


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


# --- the grid file --------------------------------------------------------------------------------

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


def train_output(psml, flag):
    """What `psml train FLAG` prints."""
    try:
        p = subprocess.run([psml, "train", flag], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExperimentError(f"{psml}: cannot run it ({e})") from e
    if p.returncode != 0:
        raise ExperimentError(f"{psml}: train {flag} exited with status {p.returncode}")
    return p.stdout


def train_option_names(psml):
    """The keys `psml train --config` reads, from `psml train --print-config`."""
    text = train_output(psml, "--print-config")
    return {line.split(" = ")[0] for line in text.splitlines() if " = " in line}


def option_rules(psml):
    """Where each option applies, from `psml train --print-option-rules`: option -> its
    conditions on other options, each (that option, the values where it applies, its default).
    The conditions on the training data are psml train's to check: the driver reads no data."""
    try:
        table = json.loads(train_output(psml, "--print-option-rules"))["options"]
        return {row["option"]: [(c["on"], c["values"], c["default"])
                                for c in row["applies_when"] if c["on"] != "data"]
                for row in table}
    except (ValueError, KeyError, TypeError) as e:
        raise ExperimentError(f"{psml}: train --print-option-rules: not the table of "
                              f"option rules ({e})") from e


def check_option(path, table, key, value, train_options):
    where = f"{path}: [{table}] {key}"
    shown = json.dumps(value, default=str)  # a TOML date is no option value either
    if key in SET_BY_DRIVER:
        raise ExperimentError(f"{where}: set by psml experiment for each point, not by the grid")
    if key not in DRIVER_OPTIONS and key not in train_options:
        raise ExperimentError(f"{where}: not a psml train option (psml train --print-config)")
    if key in ("workers", "hosts") and not (type(value) is int and value > 0):
        raise ExperimentError(f"{where}: {shown} is not a positive integer")
    if key == "bandwidth" and not (isinstance(value, str) and value):
        raise ExperimentError(f"{where}: {shown} is not a rate such as \"1gbit\"")
    if not is_option_value(value):
        raise ExperimentError(f"{where}: {shown} is not a string, number, boolean or list of those")


def load_grid(path, train_options, out=None):
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise ExperimentError(f"{path}: cannot read it ({e.strerror})") from e
    except tomllib.TOMLDecodeError as e:
        raise ExperimentError(f"{path}: not TOML ({e})") from e
    for key in doc:
        if key not in GRID_FILE_KEYS:
            raise ExperimentError(f"{path}: unknown key '{key}' (the keys: "
                                  f"{', '.join(GRID_FILE_KEYS)})")
    base, axes = doc.get("base", {}), doc.get("grid", {})
    if not isinstance(base, dict) or not isinstance(axes, dict):
        raise ExperimentError(f"{path}: [base] and [grid] must be tables")
    if not axes:
        raise ExperimentError(f"{path}: [grid] is empty: nothing to vary")
    for key, value in base.items():
        check_option(path, "base", key, value, train_options)
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ExperimentError(f"{path}: [grid] {key}: must be a non-empty list of values")
        for value in values:
            check_option(path, "grid", key, value, train_options)
    name = doc.get("name", os.path.splitext(os.path.basename(path))[0])
    out = out or doc.get("out", f"experiments/{name}")
    if not (isinstance(name, str) and isinstance(out, str) and name and out):
        raise ExperimentError(f"{path}: name and out must be non-empty strings")
    target, timeout_s = doc.get("target_accuracy"), doc.get("timeout_s", DEFAULT_TIMEOUT_S)
    if target is not None and not (isinstance(target, (int, float)) and 0 < target <= 1):
        raise ExperimentError(f"{path}: target_accuracy {target!r} is not in (0, 1]")
    if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
        raise ExperimentError(f"{path}: timeout_s {timeout_s!r} is not a positive number")
    return Grid(path=path, name=name, out=out,
                target_accuracy=target, timeout_s=timeout_s, base=base, axes=axes)


def applies(key, settings, rules, local):
    """Whether option `key` applies to a point of these settings (psml train's option rules)."""
    if key == "hosts":
        return not local
    return all(value_text(settings.get(on, default)) in values
               for on, values, default in rules.get(key, ()))


def folder_name(point_id):
    """The run folder of an id: 'mode=ps,consistency=ssp:2' -> 'mode-ps_consistency-ssp-2'."""
    return "_".join(re.sub(r"[^A-Za-z0-9.+]+", "-", part) for part in point_id.split(","))


def expand(grid, rules):
    """Every combination of the grid's values, as points, less repeats (module docstring);
    `rules`: option_rules()."""
    points, seen = [], {}
    for values in itertools.product(*grid.axes.values()):
        settings = {**grid.base, **dict(zip(grid.axes, values))}
        mode = settings.get("mode", "allreduce")
        bandwidth = settings.get("bandwidth")
        local = bandwidth in (None, "local")
        settings = {k: v for k, v in settings.items() if applies(k, settings, rules, local)}
        axes = {k: settings[k] for k in grid.axes if k in settings}
        point_id = ",".join(f"{k}={value_text(v)}" for k, v in axes.items())
        if point_id in seen:
            continue
        folder = folder_name(point_id)
        if folder in seen.values():
            raise ExperimentError(f"{grid.path}: points '{point_id}' and another share the run "
                                  f"folder name '{folder}': make their values differ in letters "
                                  "or digits")
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


# --- running a point ------------------------------------------------------------------------------

def command(point, run_dir, psml, mpirun, cluster_run):
    train = [psml, "train", "--config", os.path.join(run_dir, "point.toml"), "--run-dir", run_dir,
             "--quiet"]
    if point.bandwidth is None:
        return [*mpirun, "-np", str(point.ranks), *train]
    return [cluster_run, "--hosts", str(point.hosts or point.ranks), "--rate", point.bandwidth,
            "--ranks", str(point.ranks), "--", *train]


def stop(process):
    """SIGTERM to the point's process group (mpirun and its ranks), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # the group is gone
        try:
            process.wait(timeout=KILL_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            pass
    process.wait()


def error_line(log_path, returncode):
    """The last `psml: error:` (or cluster/local:) line a point printed, else its exit status."""
    try:
        with open(log_path, errors="replace") as f:
            lines = [line.strip() for line in f]
    except OSError:
        lines = []
    for line in reversed(lines):
        if line.startswith(("psml: error:", "cluster/local:")):
            return line
    return f"exited with status {returncode} (see {log_path})"


def run_point(point, run_dir, cmd, timeout_s):
    """Run one point in a fresh run folder: (status, error, elapsed seconds)."""
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        os.makedirs(run_dir)
    except OSError as e:
        raise ExperimentError(f"{run_dir}: cannot make it ({e.strerror})") from e
    write_atomically(os.path.join(run_dir, "point.toml"), point_toml(point))
    log_path = os.path.join(run_dir, "output.log")
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ " + shlex.join(cmd) + "\n")
        log.flush()
        try:
            process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            return "failed", f"cannot run {cmd[0]} ({e.strerror})", 0.0
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            stop(process)
            return "timeout", f"timed out after {timeout_s:g} s", time.monotonic() - start
        finally:
            if process.returncode is None:  # interrupted: leave no ranks behind
                stop(process)
    elapsed = time.monotonic() - start
    if returncode != 0:
        return "failed", error_line(log_path, returncode), elapsed
    return "ok", None, elapsed


# --- a point's results ----------------------------------------------------------------------------

def read_metrics(path):
    """(the first run record or None, the epoch records) of a metrics.jsonl; a line cut short by a
    stopped run, or no file at all, is no record."""
    run, epochs = None, []
    try:
        with open(path, "rb") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return None, []
    except OSError as e:
        raise ExperimentError(f"{path}: cannot read it ({e.strerror})") from e
    for line in lines:
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict) and record.get("type") == "run" and run is None:
            run = record
        elif isinstance(record, dict) and record.get("type") == "epoch":
            epochs.append(record)
    return run, epochs


def finished(run, epochs):
    return run is not None and bool(epochs) and epochs[-1].get("epoch") == run.get("epochs")


def number(record, key):
    value = record.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def staleness_mean(epochs):
    """Mean staleness of the pushes applied ("16+" counted as 16); None outside ps mode."""
    total = count = 0
    for epoch in epochs:
        for bound, pushes in (epoch.get("staleness") or {}).items():
            total += int(bound.rstrip("+")) * pushes
            count += pushes
    return total / count if count else None


def summarize(point, run_dir, status, error, elapsed_s, target):
    """The point's summary record: its grid values and what its epoch lines say."""
    _, epochs = read_metrics(os.path.join(run_dir, "metrics.jsonl"))
    consistency = point.options.get("consistency", "bsp") if point.mode == "ps" else None
    record = {"id": point.id, "status": status, "error": error, "mode": point.mode,
              "workers": point.workers, "servers": point.servers, "consistency": consistency}
    record.update({k: v for k, v in point.axes.items() if k not in record})
    rates = [r for r in (number(e, "samples_per_second") for e in epochs[1:] or epochs) if r]
    accuracies = [(number(e, "time_s"), number(e, "test_accuracy")) for e in epochs]
    reached = [t for t, a in accuracies if target is not None and a is not None and a >= target]
    split = [sum(number(e, f"{part}_s") or 0.0 for e in epochs) for part in SPLIT]
    steps = sum(number(e, "steps") or 0 for e in epochs)
    gaps = [g for g in (number(e, "max_clock_gap") for e in epochs) if g is not None]
    record.update({
        "ranks": point.ranks,
        "epochs": len(epochs),
        "samples_per_second": statistics.median(rates) if rates else None,
        "time_to_target_s": reached[0] if reached else None,
        "final_accuracy": accuracies[-1][1] if accuracies else None,
        **{f"{part}_share": (s / sum(split) if sum(split) > 0 else None)
           for part, s in zip(SPLIT, split)},
        "bytes_sent_per_step": (sum(number(e, "bytes_sent") or 0.0 for e in epochs) / steps
                                if steps else None),
        "max_clock_gap": max(gaps) if gaps else None,
        "staleness_mean": staleness_mean(epochs),
        "elapsed_s": elapsed_s,
        "run_dir": run_dir,
    })
    return record


def previous_result(run_dir):
    """The result.json of an earlier run of this point, or None."""
    try:
        with open(os.path.join(run_dir, "result.json")) as f:
            result = json.load(f)
        return result if isinstance(result, dict) else None
    except (OSError, json.JSONDecodeError):
        return None


def done_before(point, run_dir):
    """--resume: whether an earlier run of this point, with the same options, finished (an ok
    result or all its epochs)."""
    try:
        with open(os.path.join(run_dir, "point.toml")) as f:
            if f.read() != point_toml(point):
                return False
    except OSError:
        return False
    result = previous_result(run_dir)
    if result is not None and result.get("status") == "ok":
        return True
    return finished(*read_metrics(os.path.join(run_dir, "metrics.jsonl")))


def write_atomically(path, text):
    try:
        with open(path + ".tmp", "w", newline="") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    except OSError as e:
        raise ExperimentError(f"{path}: cannot write it ({e.strerror})") from e


def write_summary(grid, records):
    """summary.jsonl (one record per line) and summary.csv (the same, lists as 'a/b')."""
    columns = [*FIXED_COLUMNS, *(k for k in grid.axes if k not in FIXED_COLUMNS), *RESULT_COLUMNS]
    write_atomically(os.path.join(grid.out, "summary.jsonl"),
                     "".join(json.dumps({c: r.get(c) for c in columns}) + "\n" for r in records))
    lines = [columns] + [["" if r.get(c) is None else value_text(r[c]) for c in columns]
                         for r in records]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(lines)
    write_atomically(os.path.join(grid.out, "summary.csv"), text.getvalue())


# --- plots ----------------------------------------------------------------------------------------

def lines_over(results, axis):
    """Results grouped by their values of every axis but `axis`: {label: [(point, record)]}."""
    lines = {}
    for point, record in results:
        label = ", ".join(f"{k}={value_text(v)}" for k, v in point.axes.items() if k != axis)
        lines.setdefault(label or "all points", []).append((point, record))
    return lines


def scaling_figures(grid, results):
    """scaling.png and efficiency.png: samples/s and parallel efficiency against workers, one line
    per configuration of the other axes, ideal linear scaling from the line's fewest workers."""
    rated = [(p, r) for p, r in results if r["samples_per_second"]]
    worker_counts = sorted({p.workers for p, _ in rated})
    if len(worker_counts) < 2:
        return "the finished points have one worker count"
    scaling, efficiency = (Figure(figsize=LINE_SIZE, dpi=DPI, layout="constrained")
                           for _ in range(2))
    ax_rate, ax_eff = scaling.subplots(), efficiency.subplots()
    for i, (label, line) in enumerate(lines_over(rated, "workers").items()):
        line.sort(key=lambda pr: pr[0].workers)
        workers = [p.workers for p, _ in line]
        rates = [r["samples_per_second"] for _, r in line]
        per_worker = rates[0] / workers[0]  # the fewest workers' rate, per worker
        ax_rate.plot(workers, rates, "o-", color=f"C{i}", label=label)
        ax_rate.plot(workers, [per_worker * w for w in workers], "--", color=f"C{i}", alpha=0.6)
        ax_eff.plot(workers, [r / (w * per_worker) for r, w in zip(rates, workers)], "o-",
                    color=f"C{i}", label=label)
    ideal = Line2D([], [], linestyle="--", color="grey", label="ideal (linear from fewest workers)")
    ax_rate.legend(handles=[*ax_rate.get_legend_handles_labels()[0], ideal], fontsize="small")
    ax_rate.set_title(f"{grid.name}: throughput")
    ax_rate.set_ylabel("samples/s (all workers)")
    ax_rate.set_ylim(bottom=0)
    ax_eff.axhline(1.0, linestyle="--", color="grey", label="ideal")
    ax_eff.legend(fontsize="small")
    ax_eff.set_title(f"{grid.name}: parallel efficiency")
    ax_eff.set_ylabel("samples/s / (workers x fewest workers' rate per worker)")
    ax_eff.set_ylim(bottom=0)
    for ax in (ax_rate, ax_eff):
        ax.set_xlabel("workers")
        ax.set_xticks(worker_counts)
        ax.grid(alpha=0.3)
    return {"scaling.png": scaling, "efficiency.png": efficiency}


def bar_axes(results, title):
    """A bar chart's figure and axes, one bar per point from top to bottom, labelled by the axes
    whose values differ between the points; those that do not go under the title."""
    fig = Figure(figsize=BAR_SIZE, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    names = list(dict.fromkeys(k for p, _ in results for k in p.axes))
    values = {k: {value_text(p.axes.get(k)) for p, _ in results} for k in names}
    varying = [k for k in names if len(values[k]) > 1] or names
    shared = [k for k in names if k not in varying and all(k in p.axes for p, _ in results)]
    ids = [textwrap.fill(", ".join(f"{k}={value_text(p.axes[k])}" for k in varying if k in p.axes),
                         48) for p, _ in results]
    if shared:
        title += "\n" + textwrap.fill(
            "every point: " + ", ".join(f"{k}={next(iter(values[k]))}" for k in shared), 90)
    ax.set_title(title)
    ax.set_yticks(range(len(ids)), ids, fontsize=max(4, min(9, 360 / len(ids))))
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    return fig, ax


def time_to_accuracy_figure(grid, results):
    """time_to_accuracy.png: seconds to the target test accuracy, a bar per point."""
    if grid.target_accuracy is None:
        return "the grid sets no target_accuracy"
    if not results:
        return "no point finished"
    fig, ax = bar_axes(results, f"{grid.name}: time to test accuracy {grid.target_accuracy:g}")
    times = [r["time_to_target_s"] for _, r in results]
    ax.barh(range(len(times)), [t or 0.0 for t in times], color="C0")
    for y, t in enumerate(times):
        ax.text(t or 0.0, y, f" {t:.3g} s" if t is not None else " not reached", va="center",
                fontsize="small")
    ax.margins(x=0.12)  # room for the last bar's label
    ax.set_xlabel("seconds from the run's start (training and evaluation)")
    return {"time_to_accuracy.png": fig}


def communication_share_figure(grid, results):
    """communication_share.png: compute, communication, wait and optimizer shares of each point's
    time, a stacked bar per point."""
    split = [(p, r) for p, r in results if r["compute_share"] is not None]
    if not split:
        return "no finished point has a time split"
    fig, ax = bar_axes(split, f"{grid.name}: where a worker's time goes")
    left = [0.0] * len(split)
    for part in SPLIT:
        shares = [r[f"{part}_share"] for _, r in split]
        ax.barh(range(len(split)), shares, left=left, label=part)
        left = [a + b for a, b in zip(left, shares)]
    ax.set_xlabel("share of compute + communication + wait + optimizer time")
    ax.set_xlim(0, 1)
    ax.legend(fontsize="small", ncols=len(SPLIT), loc="upper center", bbox_to_anchor=(0.5, -0.08))
    return {"communication_share.png": fig}


def staleness_bound(consistency):
    if consistency == "bsp":
        return 0
    if consistency == "async":
        return math.inf
    return int(consistency.removeprefix("ssp:"))


def staleness_figure(grid, results):
    """staleness.png: final accuracy against the staleness bound (bsp 0, ssp:K K, async at the
    right), one line per configuration of the other axes."""
    ps = [(p, r) for p, r in results if p.mode == "ps" and r["final_accuracy"] is not None]
    if not ps:
        return "no finished ps point has a test accuracy"
    if len({r["consistency"] for _, r in ps}) < 2:
        return "the finished ps points have one consistency"
    finite = sorted({b for _, r in ps if math.isfinite(b := staleness_bound(r["consistency"]))})
    top = finite[-1] if finite else 0
    async_x = top + max(1, top / 2)
    fig = Figure(figsize=LINE_SIZE, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    for i, (label, line) in enumerate(lines_over(ps, "consistency").items()):
        xs = [staleness_bound(r["consistency"]) for _, r in line]
        xs = [async_x if math.isinf(x) else x for x in xs]
        order = sorted(range(len(xs)), key=xs.__getitem__)
        ax.plot([xs[j] for j in order], [line[j][1]["final_accuracy"] for j in order], "o-",
                color=f"C{i}", label=label)
    ticks = finite + ([async_x] if any(r["consistency"] == "async" for _, r in ps) else [])
    names = {0: "0 (bsp)", async_x: "async"}
    ax.set_xticks(ticks, [names.get(t, f"ssp:{t:g}") for t in ticks])
    ax.set_title(f"{grid.name}: accuracy vs staleness")
    ax.set_xlabel("staleness bound (bsp = 0, ssp:K = K, async = unbounded)")
    ax.set_ylabel("final test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return {"staleness.png": fig}


PLOTS = {"scaling.png, efficiency.png": scaling_figures,
         "time_to_accuracy.png": time_to_accuracy_figure,
         "communication_share.png": communication_share_figure,
         "staleness.png": staleness_figure}


def plot(grid, results):
    """Every plot of the finished points into the out folder, or a note on why it is skipped."""
    for names, make in PLOTS.items():
        figures = make(grid, results)
        if isinstance(figures, str):
            print(f"{names}: skipped, {figures}")
            continue
        for name, fig in figures.items():
            path = os.path.join(grid.out, name)
            try:
                fig.savefig(path, dpi=DPI)
            except OSError as e:
                raise ExperimentError(f"{path}: cannot write it ({e.strerror})") from e
            print(f"wrote {path}")


# --- the driver -----------------------------------------------------------------------------------

def describe(record):
    """The line a point's result gets in the driver's output."""
    if record["status"] != "ok":
        return f"{record['status']}: {record['error']}"
    words = []
    if record["samples_per_second"] is not None:
        words.append(f"{record['samples_per_second']:,.0f} samples/s")
    if record["final_accuracy"] is not None:
        words.append(f"final accuracy {record['final_accuracy']:.4f}")
    took = f" in {record['elapsed_s']:.1f} s" if record["elapsed_s"] is not None else ""
    return f"ok{took}: " + ", ".join(words) if words else f"ok{took}"


def psml_program(name):
    """The psml to run, as an absolute path (the emulated cluster's hosts need one)."""
    path = shutil.which(name)
    if path is None:
        raise ExperimentError(f"{name}: no such program (give --psml PATH or set PSML_BIN)")
    return os.path.abspath(path)


def run_grid(args, mpirun):
    psml = psml_program(args.psml)
    grid = load_grid(args.grid, train_option_names(psml), args.out)
    points = expand(grid, option_rules(psml))
    runs = os.path.join(grid.out, "runs")
    commands = [command(p, os.path.join(runs, p.folder), psml, mpirun, args.cluster_run)
                for p in points]
    if args.dry_run:
        for point, cmd in zip(points, commands):
            print(f"{point.id}: {shlex.join(cmd)}")
        return 0
    try:
        os.makedirs(runs, exist_ok=True)
    except OSError as e:
        raise ExperimentError(f"{runs}: cannot make it ({e.strerror})") from e
    results = []
    for n, (point, cmd) in enumerate(zip(points, commands), start=1):
        run_dir = os.path.join(runs, point.folder)
        print(f"[{n}/{len(points)}] {point.id}: ", end="", flush=True)
        if args.resume and done_before(point, run_dir):
            elapsed_s = (previous_result(run_dir) or {}).get("elapsed_s")
            record = summarize(point, run_dir, "ok", None, elapsed_s, grid.target_accuracy)
            print("skipping, done before (--resume)")
        else:
            status, error, elapsed_s = run_point(point, run_dir, cmd, grid.timeout_s)
            record = summarize(point, run_dir, status, error, elapsed_s, grid.target_accuracy)
            print(describe(record), flush=True)
        write_atomically(os.path.join(run_dir, "result.json"), json.dumps(record, indent=1) + "\n")
        results.append((point, record))
        write_summary(grid, [r for _, r in results])
    plot(grid, [(p, r) for p, r in results if r["status"] == "ok"])
    statuses = [r["status"] for _, r in results]
    print(f"{len(points)} point{'s' if len(points) != 1 else ''}: {statuses.count('ok')} ok, "
          f"{statuses.count('failed')} failed, {statuses.count('timeout')} timed out; summary in "
          f"{os.path.join(grid.out, 'summary.csv')} and summary.jsonl")
    return 0


def interrupt(_signum, _frame):
    """SIGTERM as Ctrl-C: the running point is stopped, no ranks are left behind."""
    raise KeyboardInterrupt


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(
        prog="psml experiment",
        description="Run every point of a grid of psml train options, each in its own run "
                    "folder; write a summary table and plots (docs/experiments.md).")
    parser.add_argument("grid", metavar="GRID.toml", help="the grid file (docs/experiments.md)")
    parser.add_argument("--resume", action="store_true",
                        help="re-read the points that finished before instead of running them")
    parser.add_argument("--out", metavar="DIR", help="write here instead of the grid's out")
    parser.add_argument("--dry-run", action="store_true",
                        help="print each point's id and command, run nothing")
    parser.add_argument("--psml", default=os.environ.get("PSML_BIN") or "psml", metavar="PATH",
                        help="the psml program (default: $PSML_BIN, else psml on PATH)")
    parser.add_argument("--mpirun", default="mpirun", metavar="COMMAND",
                        help="how to start local runs, split as a shell splits it "
                             "(default: mpirun; e.g. 'mpirun --oversubscribe')")
    parser.add_argument("--cluster-run", metavar="PATH",
                        default=os.environ.get("PSML_CLUSTER_RUN") or os.path.normpath(
                            os.path.join(here, "..", "..", "cluster", "local", "run.sh")),
                        help="the emulated cluster's launcher, for points with a bandwidth "
                             "(default: $PSML_CLUSTER_RUN, which psml experiment sets, else "
                             "cluster/local/run.sh of this source tree)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    mpirun = shlex.split(args.mpirun)
    if not mpirun:
        parser.error("--mpirun: give a command")
    try:
        return run_grid(args, mpirun)
    except ExperimentError as e:
        print(f"psml experiment: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\npsml experiment: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
