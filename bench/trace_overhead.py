#!/usr/bin/python3
"""What --trace costs: the MLP task (784-256-128-10 on Fashion-MNIST, Adam, global batch 128,
2 ranks), run after run without and with --trace, --rounds times; steady-state samples/s is the
median of each run's epochs after the first, and the overhead the ratio of the medians.

  /usr/bin/python3 bench/trace_overhead.py [--psml build/bin/psml] [--data data] [--rounds 3]
                                           [--epochs 3] [--ranks 2]

What tracing off costs (one load and branch per span) is measured by `psml_compute_bench
--benchmark_filter=Span` (bench/compute_bench.cpp).
"""
import argparse, os, re, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(root, "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402
ap = argparse.ArgumentParser()
ap.add_argument("--psml", default=os.path.join(root, "build/bin/psml"))
ap.add_argument("--data", default=os.path.join(root, "data"))
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--mpirun", default="mpirun")
args = ap.parse_args()
env = open_mpi_env()
EPOCH = re.compile(r"^epoch +(\d+)/\d+ .*samples/s +([0-9.]+)", re.M)

seen = {"off": [], "on": []}
with tempfile.TemporaryDirectory() as work:
    for r in range(args.rounds):
        for kind in ("off", "on"):
            trace = ["--trace", os.path.join(work, "trace.json")] if kind == "on" else []
            cmd = [args.mpirun, "-np", str(args.ranks), args.psml, "train", "--data",
                   os.path.join(args.data, "fmnist-train.h5"), "--epochs", str(args.epochs),
                   "--model", "mlp", "--hidden", "256,128", "--optimizer", "adam", "--lr",
                   "1e-3", "--batch", "128", *trace]
            print("$", " ".join(cmd), flush=True)
            p = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if p.returncode != 0:
                sys.exit(p.stdout + p.stderr)
            rates = [float(s) for e, s in EPOCH.findall(p.stdout) if int(e) > 1]
            print(f"  tracing {kind}: samples/s of epochs 2..: {rates}", flush=True)
            seen[kind] += rates
off, on = statistics.median(seen["off"]), statistics.median(seen["on"])
print(f"median samples/s: tracing off {off:,.0f}, on {on:,.0f}: "
      f"tracing costs {100 * (1 - on / off):.1f}% of step time")
