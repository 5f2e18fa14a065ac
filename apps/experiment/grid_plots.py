"""The grid's plots from its finished points (psml_experiment.py's docstring): scaling.png,
efficiency.png, time_to_accuracy.png, communication_share.png and staleness.png, each skipped with
a note where the grid does not vary what it shows."""

import math
import os
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib.figure import Figure  # noqa: E402 (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402

from grid_file import value_text  # noqa: E402
from psml_tools.metrics import SPLIT  # noqa: E402
from psml_tools.output_files import save_figure  # noqa: E402

DPI = 100
LINE_SIZE = (8, 5)  # inches at 100 dpi: 800 x 500 px (scaling, efficiency, staleness)
BAR_SIZE = (10, 6)  # 1000 x 600 px (time to accuracy, communication share)


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
            save_figure(fig, os.path.join(grid.out, name), DPI)

