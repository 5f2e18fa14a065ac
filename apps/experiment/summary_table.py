"""A point's summary record, from its grid values and its metrics, and the grid's summary table:
OUT/summary.jsonl and OUT/summary.csv (docs/experiments.md lists the fields)."""

import csv
import io
import json
import os
import statistics

from grid_file import value_text
from psml_tools import ToolError
from psml_tools.metrics import SPLIT, read_metrics
from psml_tools.output_files import write_atomically

FIXED_COLUMNS = ("id", "status", "error", "mode", "workers", "servers", "consistency")
RESULT_COLUMNS = ("ranks", "epochs", "samples_per_second", "time_to_target_s", "final_accuracy",
                  *(f"{part}_share" for part in SPLIT), "bytes_sent_per_step", "max_clock_gap",
                  "staleness_mean", "elapsed_s", "run_dir")


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
    """The point's summary record: its grid values and what its epoch lines say. Metrics that
    cannot be read make an ok point failed, with the reason."""
    try:
        _, epochs = read_metrics(os.path.join(run_dir, "metrics.jsonl"))
    except ToolError as e:
        epochs = []
        if status == "ok":
            status, error = "failed", str(e)
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
