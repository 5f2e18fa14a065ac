#!/usr/bin/env python3
"""The headline scaling prediction: psml simulate for 8 to 1,024 workers, at 10, 25 and 100 Gbit/s,
by allreduce (Open MPI's choice of algorithm, as SMPI copies it: Rabenseifner's reduce-scatter and
allgather at these sizes) and by parameter servers (S = W/8, W/4), for the MLP task and a 100M-parameter
sparse logistic regression. Appends one JSON line per point to OUT/points.jsonl (a point already
there is not run again), then bench/cost_model.py plots them beside the model's curves.

  python3 bench/simulate_scaling.py --out docs/simulation/scaling [--workers 8,64,512]

By default 8, 32 and 128 workers, every exchange: parameter servers at 512 workers and more
take SimGrid longer than a step in 15 minutes (docs/simulation.md); allreduce to 1,024 workers
takes minutes a point: --workers 512,1024 --exchanges allreduce.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SOURCE, "apps"))
from psml_tools.units import seconds  # noqa: E402 (psml simulate's parsing of times)

TASKS = {
    # The MLP task: Fashion-MNIST's shape, 64 rows per worker per step, Adam.
    "mlp": {"args": [], "train": ["--model", "mlp", "--hidden", "256,128", "--optimizer", "adam",
                                  "--lr", "0.001"], "exchanges": ("allreduce", "S=W/8", "S=W/4")},
    # Click-through-like sparse data: 100M features, 100 values per row (power-law columns);
    # psml's allreduce mode trains dense data only: ps alone (the dense allreduce of 100M floats
    # is the cost model's).
    "sparse-logreg": {"args": ["--features", "100000000", "--nnz", "100"],
                      "train": ["--model", "logreg", "--optimizer", "adagrad", "--lr", "0.1"],
                      "exchanges": ("S=W/8", "S=W/4")},
}


def key(q):
    """A point: its task, workers, servers, link and batch (however many steps measured it)."""
    return (q["task"], q["workers"], q["servers"], round(q["bandwidth_bps"]),
            round(q["latency_s"] * 1e9), q["batch_per_worker"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="scaling")
    ap.add_argument("--tasks", default="mlp,sparse-logreg")
    ap.add_argument("--workers", default="8,32,128")
    ap.add_argument("--bandwidths", default="10,25,100", help="Gbit/s")
    ap.add_argument("--latency", default="5us")
    ap.add_argument("--batch-per-worker", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3,
                    help="steps per epoch (two epochs, the second measured)")
    ap.add_argument("--exchanges", default="allreduce,S=W/8,S=W/4",
                    help="which of each task's exchanges to run")
    ap.add_argument("--psml", default=os.path.join(SOURCE, "build", "bin", "psml"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "points.jsonl")
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                q = json.loads(line)
                done[key(q)] = q
    for task in args.tasks.split(","):
        spec = TASKS[task]
        per_row = next((q["compute_seconds_per_row"] for q in done.values()
                        if q["task"] == task), None)
        for W in map(int, args.workers.split(",")):
            for gbit in map(float, args.bandwidths.split(",")):
                for exchange in spec["exchanges"]:
                    if exchange not in args.exchanges.split(","):
                        continue
                    servers = 0 if exchange == "allreduce" else max(1, W // int(exchange[4:]))
                    if (task, W, servers, round(gbit * 1e9),
                            round(seconds(args.latency, "--latency") * 1e9),
                            args.batch_per_worker) in done:
                        continue
                    cmd = [args.psml, "simulate", "--workers", str(W),
                           "--mode", "allreduce" if exchange == "allreduce" else "ps",
                           "--bandwidth", f"{gbit:g}gbit", "--latency", args.latency,
                           "--batch-per-worker", str(args.batch_per_worker),
                           "--steps", str(args.steps), "--json",
                           "--out", os.path.join(args.out, "runs",
                                                 f"{task}-{W}-{servers or 'allreduce'}-{gbit:g}"),
                           *spec["args"]]
                    if servers:
                        cmd += ["--servers", str(servers)]
                    if per_row is not None:
                        cmd += ["--compute-seconds-per-row", repr(per_row)]
                    cmd += ["--", *spec["train"]]
                    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if result.returncode != 0:
                        sys.exit(f"simulate_scaling: {' '.join(cmd)}\n{result.stderr[-3000:]}")
                    q = json.loads(result.stdout.strip().splitlines()[-1])
                    per_row = q["compute_seconds_per_row"]
                    q["task"] = task
                    q["efficiency"] = q["samples_per_second"] * per_row / W
                    if spec["args"]:  # sparse: keys a worker's step touches, from what it sends
                        # (each key's id and value pushed, its id in the pull: 20 bytes)
                        q["keys_per_worker"] = q["bytes_sent_per_step"] / 20
                    done[key(q)] = q
                    with open(path, "a") as f:
                        f.write(json.dumps(q) + "\n")
                    print(f"{task} W={W} {exchange} {gbit:g} Gbit/s: "
                          f"{q['samples_per_second']:,.0f} samples/s, efficiency "
                          f"{q['efficiency']:.2f} (simulated in {q['wall_s']:.0f} s, "
                          f"{q['peak_memory_mib']:,.0f} MiB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
