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
exits non-zero is "failed" with its last `psml: error:` line (else the last line naming an error,
else its exit status); one still running after timeout_s is stopped (SIGTERM, SIGKILL 30 s later)
and is "timeout". Either way the grid goes on (Ctrl-C or SIGTERM stops the running point the same
way and ends the driver). After each point OUT/summary.csv and OUT/summary.jsonl hold one record
per point so far (docs/experiments.md lists the fields); at the end the plots go to OUT:
scaling.png, efficiency.png, time_to_accuracy.png, communication_share.png and staleness.png, each
skipped with a note where the grid does not vary what it shows. `--resume` re-reads, instead of
running, every point whose run folder has the same point.toml and an "ok" result.json or a
metrics.jsonl with all its epochs.

A bad grid or command line is one line on stderr, `psml experiment: error: FILE: PROBLEM`, and
exit code 1 (2 for a bad command line); failed points are results, not errors (exit code 0).
Needs Python 3.11 (tomllib) with matplotlib.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# This script's modules (grid_file, train_options, point_run, summary_table, grid_plots) sit beside
# it; psml_tools beside its folder: apps/ in the source tree, share/psml/ installed.
sys.path[:0] = [HERE, os.path.dirname(HERE)]
from grid_file import expand, load_grid  # noqa: E402
from grid_plots import plot  # noqa: E402
from point_run import command, done_before, previous_result, run_point  # noqa: E402
from psml_tools import ToolError  # noqa: E402
from psml_tools.output_files import write_atomically  # noqa: E402
from summary_table import summarize, write_summary  # noqa: E402
from train_options import option_rules, train_option_names  # noqa: E402


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
        raise ToolError(f"{name}: no such program (give --psml PATH or set PSML_BIN)")
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
        raise ToolError(f"{runs}: cannot make it ({e.strerror})") from e
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
                            os.path.join(HERE, "..", "..", "cluster", "local", "run.sh")),
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
    except ToolError as e:
        print(f"psml experiment: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\npsml experiment: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
