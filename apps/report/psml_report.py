"""psml report: plots that compare psml training runs, from their metrics.jsonl files.

    psml report RUN_DIR_OR_METRICS... --out report.png

Each argument is a run folder (holding metrics.jsonl) or a metrics .jsonl file, in the schema of
docs/runs.md. Two figures are written, at fixed sizes so that reports line up side by side:

  report.png        12 x 7 in at 100 dpi (1200 x 700 px). Top row against epoch, bottom row
                    against wall time (s): loss (train solid, test dashed), test accuracy (test
                    RMSE if no run has an accuracy) and samples/s. One line per run, in the same
                    colour everywhere; the legend is each run's label, followed by its folder or
                    file name where two runs share a label.
  report-split.png  8 x 5 in at 100 dpi (800 x 500 px), named after --out's stem: where a step's
                    time goes, one stacked bar per run: compute, communication, wait and optimizer
                    milliseconds per step (an epoch line's seconds divided by its steps, the
                    median over the epochs).

Given eval reports instead (`psml eval --json FILE.json`, docs/cli.md#psml-eval), it draws their
reliability diagram to --out (8 x 7 in, 800 x 700 px): per confidence bin, the accuracy against
the mean confidence (a calibrated model lies on the diagonal), one line per report labelled with
its model and expected calibration error, and below it how many rows fall in each bin.

Only epoch lines are plotted; step lines are read for their time only; a last line cut short by
a stopped run is left out. A file that holds several
runs (a resumed run appends its own "run" line) is one run continuing: its epochs keep their
numbers and the wall time of each part starts where the previous part's last line left off.

A bad input is one line on stderr, `psml report: error: FILE: PROBLEM`, and exit code 1 (2 for a
bad command line). Needs Python 3 with matplotlib (Debian: python3-matplotlib); `psml report`
runs this script with /usr/bin/python3 or $PSML_PYTHON.
"""

import argparse
import json
import math
import os
import statistics
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402 (after the backend is chosen)
from matplotlib.ticker import MaxNLocator  # noqa: E402

# psml_tools sits beside this script's folder: apps/ in the source tree, share/psml/ installed.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from psml_tools import ToolError  # noqa: E402
from psml_tools.metrics import SPLIT, read_records  # noqa: E402
from psml_tools.output_files import save_figure  # noqa: E402

DPI = 100
REPORT_SIZE = (12, 7)  # inches: 1200 x 700 px
SPLIT_SIZE = (8, 5)  # inches: 800 x 500 px
SPLIT_FIELDS = tuple(f"{part}_s" for part in SPLIT)


@dataclass
class Epoch:
    epoch: int
    wall_s: float  # since the run's first part started
    train_loss: float
    test_loss: float | None
    test_accuracy: float | None
    test_rmse: float | None
    samples_per_second: float
    split_s: tuple[float, ...]  # SPLIT_FIELDS, seconds per step


@dataclass
class Run:
    name: str  # the run folder's name, or the metrics file's
    label: str
    epochs: list[Epoch]


# What a field must hold: a check and the words for it.
KINDS = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "count": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
              "a positive integer"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
}


def field(record, key, kind, optional=False):
    """record[key], checked to be of `kind`; None for an optional field absent or null.

    Raises ValueError naming the record and the field."""
    value = record.get(key)
    if value is None:
        if optional:
            return None
        raise ValueError(f"{record['type']} record has no '{key}'")
    check, words = KINDS[kind]
    if not check(value):
        raise ValueError(f"{record['type']} record's '{key}' is {json.dumps(value)}, not {words}")
    return value


def metrics_path(arg):
    """The metrics file an argument names: the file itself, or a run folder's metrics.jsonl."""
    if os.path.isdir(arg):
        path = os.path.join(arg, "metrics.jsonl")
        if not os.path.exists(path):
            raise ToolError(f"{arg}: no metrics.jsonl in this folder")
        return path
    if not os.path.exists(arg):
        raise ToolError(f"{arg}: no such file")
    return arg


def read_run(arg):
    """The run an argument names, its parts joined (module docstring)."""
    path = metrics_path(arg)
    label = None
    steps_per_epoch = None
    epochs = []
    part_start_s = 0.0  # wall time at which the current part started
    last_s = 0.0  # wall time of the latest line
    for number, record in read_records(path):
        try:
            kind = record.get("type")
            if not isinstance(kind, str):
                raise ValueError("record has no 'type'")
            if kind == "run":
                label = label or field(record, "label", "text")
                steps_per_epoch = field(record, "steps_per_epoch", "count")
                part_start_s = last_s
                continue
            if kind not in ("step", "epoch"):
                continue  # a record type newer than this script
            if label is None:
                raise ValueError(f"{kind} record before the first run record")
            last_s = part_start_s + field(record, "time_s", "number")
            if kind == "epoch":
                epochs.append(read_epoch(record, last_s, steps_per_epoch))
        except ValueError as e:
            raise ToolError(f"{path}: line {number}: {e}") from e
    if not epochs:
        raise ToolError(f"{path}: has no epoch records: nothing to plot")
    return Run(name=run_name(path), label=label, epochs=epochs)


def read_epoch(record, wall_s, steps_per_epoch):
    # The steps this epoch made: fewer than steps_per_epoch where a run resumed inside it.
    steps = record.get("steps") or steps_per_epoch
    return Epoch(
        epoch=field(record, "epoch", "count"),
        wall_s=wall_s,
        train_loss=field(record, "train_loss", "number"),
        test_loss=field(record, "test_loss", "number", optional=True),
        test_accuracy=field(record, "test_accuracy", "number", optional=True),
        test_rmse=field(record, "test_rmse", "number", optional=True),
        samples_per_second=field(record, "samples_per_second", "number"),
        split_s=tuple(field(record, key, "number") / steps for key in SPLIT_FIELDS),
    )


def run_name(path):
    """The run folder's name for <folder>/metrics.jsonl, else the file's name."""
    name = os.path.basename(path)
    if name == "metrics.jsonl":
        return os.path.basename(os.path.dirname(os.path.abspath(path)))
    return name


def legend_labels(runs):
    """Each run's label, with its name added where two runs share the label."""
    counts = Counter(run.label for run in runs)
    return [f"{run.label} ({run.name})" if counts[run.label] > 1 else run.label for run in runs]


def values(run, key):
    """A run's epoch values of `key`, NaN where not recorded (a gap in the line)."""
    return [math.nan if getattr(e, key) is None else getattr(e, key) for e in run.epochs]


def test_metric(runs):
    """The test metric to plot: ([Epoch field], title), no field when no run was tested."""
    for key, title in (("test_accuracy", "test accuracy"), ("test_rmse", "test RMSE")):
        if any(getattr(e, key) is not None for run in runs for e in run.epochs):
            return [key], title
    return [], "test accuracy"


def report_figure(runs, labels):
    fig = Figure(figsize=REPORT_SIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3)
    tested = any(e.test_loss is not None for run in runs for e in run.epochs)
    columns = [
        (["train_loss", "test_loss"], "loss (train solid, test dashed)" if tested else "train loss"),
        test_metric(runs),
        (["samples_per_second"], "samples/s (all workers)"),
    ]
    for row, (x_key, x_title) in enumerate((("epoch", "epoch"), ("wall_s", "wall time (s)"))):
        for ax, (keys, title) in zip(axes[row], columns):
            ax.set_title(title)
            ax.set_xlabel(x_title)
            ax.grid(alpha=0.3)
            if x_key == "epoch":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            for i, (run, label) in enumerate(zip(runs, labels)):
                x = values(run, x_key)
                for key, style in zip(keys, ("-", "--")):
                    ax.plot(x, values(run, key), style, color=f"C{i}", marker="o", markersize=3,
                            label=label if style == "-" else None)
            if not keys:
                ax.text(0.5, 0.5, "no test set (psml train --test)", ha="center", va="center",
                        transform=ax.transAxes)
    axes[0][0].legend(fontsize="small")
    return fig


def split_figure(runs, labels):
    fig = Figure(figsize=SPLIT_SIZE, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    # ms_per_step[part][run]
    ms_per_step = [[1000 * statistics.median(e.split_s[i] for e in run.epochs) for run in runs]
                   for i in range(len(SPLIT_FIELDS))]
    positions = range(len(runs))
    bottom = [0.0] * len(runs)
    for part, name in zip(ms_per_step, SPLIT):
        bars = ax.bar(positions, part, bottom=bottom, label=name)
        bottom = [b + p for b, p in zip(bottom, part)]
    ax.bar_label(bars, labels=[f"{total:.3g} ms" for total in bottom])
    ax.set_xticks(positions, [textwrap.fill(label, 24) for label in labels])
    ax.set_title("time per step (median over epochs)")
    ax.set_ylabel("milliseconds per step, per worker")
    ax.tick_params(axis="x", labelsize="small")
    ax.legend(fontsize="small")
    return fig


def split_path(out):
    stem, ext = os.path.splitext(out)
    return f"{stem}-split{ext}"


def read_eval_report(path):
    """An eval report's label and calibration bins (bins with rows only)."""
    try:
        with open(path, "rb") as f:
            report = json.load(f)
    except OSError as e:
        raise ToolError(f"{path}: cannot read it ({e.strerror})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ToolError(f"{path}: not a JSON eval report ({e})") from e
    if not isinstance(report, dict) or "accuracy" not in report:
        raise ToolError(f"{path}: not an eval report (psml eval --json)")
    if "calibration" not in report:
        raise ToolError(f"{path}: the model has no probabilities, so no calibration to draw")
    bins = [b for b in report["calibration"] if b.get("rows", 0) > 0]
    label = (f"{os.path.basename(str(report.get('model', path)))}: "
             f"ECE {report.get('expected_calibration_error', float('nan')):.4f}")
    return label, bins


def reliability_figure(reports):
    fig = Figure(figsize=(8, 7))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for label, bins in reports:
        conf = [b["mean_confidence"] for b in bins]
        top.plot(conf, [b["accuracy"] for b in bins], marker="o", label=label)
        bottom.plot(conf, [b["rows"] for b in bins], marker="o")
    top.set_ylabel("accuracy in the bin")
    top.set_title("reliability diagram (15 equal-width bins of the top class probability)")
    top.legend(loc="upper left", fontsize="small")
    top.grid(True, alpha=0.3)
    bottom.set_xlabel("mean confidence in the bin")
    bottom.set_ylabel("rows")
    bottom.set_yscale("log")
    bottom.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def main():
    parser = argparse.ArgumentParser(
        prog="psml report",
        description="Plot psml runs' metrics: loss, test accuracy and samples/s against epoch "
                    "and wall time, and the time split per step (docs/runs.md).")
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR_OR_METRICS",
                        help="a run folder (holding metrics.jsonl) or a metrics .jsonl file; or "
                             "eval reports (psml eval --json, .json) for a reliability diagram")
    parser.add_argument("--out", required=True, metavar="FILE.png",
                        help="the report (1200 x 700 px); the time split goes to FILE-split.png")
    args = parser.parse_args()
    if os.path.splitext(args.out)[1].lower() not in (".png", ".svg", ".pdf"):
        parser.error(f"--out {args.out}: name a .png, .svg or .pdf file")
    try:
        if all(arg.endswith(".json") for arg in args.runs):
            save_figure(reliability_figure([read_eval_report(arg) for arg in args.runs]),
                        args.out, DPI)
            return 0
        runs = [read_run(arg) for arg in args.runs]
        labels = legend_labels(runs)
        save_figure(report_figure(runs, labels), args.out, DPI)
        save_figure(split_figure(runs, labels), split_path(args.out), DPI)
    except ToolError as e:
        print(f"psml report: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
