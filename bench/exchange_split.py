#!/usr/bin/python3
"""Where a step's time goes on a model where communication matters: the 784-2048-2048-10 MLP
(5,824,522 parameters, 23.3 MB of gradient per step) on Fashion-MNIST, 2 ranks, Adam, global
batch 128, with each way of summing the gradient, one run after another, --rounds times:

  shm        --allreduce shm (the default on one node)
  mpi        --allreduce mpi --bucket-mb 0: one blocking MPI_Allreduce after backprop
  mpi-25MB   --allreduce mpi (25 MB buckets, non-blocking, started during backprop)

  /usr/bin/python3 bench/exchange_split.py [--psml build/bin/psml] [--data data] [--rounds 2]
                                           [--epochs 2] [--ranks 2]

Prints each run's per-rank seconds per epoch (median over epochs and rounds): compute (forward
and backward), wait (for the last rank to arrive), allreduce (the gradient sum once all have
arrived: the communication the step exposes), optimizer; and each kind's exposed communication
as a share of the blocking MPI allreduce's.
"""
import argparse, os, re, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(root, "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402
ap = argparse.ArgumentParser()
ap.add_argument("--psml", default=os.path.join(root, "build/bin/psml"))
ap.add_argument("--data", default=os.path.join(root, "data"))
ap.add_argument("--rounds", type=int, default=2)
ap.add_argument("--epochs", type=int, default=2)
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--mpirun", default="mpirun")
args = ap.parse_args()
env = open_mpi_env()
KINDS = {"shm": ["--allreduce", "shm"], "mpi": ["--allreduce", "mpi", "--bucket-mb", "0"],
         "mpi-25MB": ["--allreduce", "mpi"]}
SPLIT = re.compile(r"allreduce: compute ([0-9.]+)s  wait ([0-9.]+)s  allreduce ([0-9.]+)s  "
                   r"optimizer ([0-9.]+)s")
EPOCH = re.compile(r"samples/s +([0-9.]+)  time ([0-9.]+)s")

seen = {k: [] for k in KINDS}
for r in range(args.rounds):
    for kind, extra in KINDS.items():
        cmd = [args.mpirun, "-np", str(args.ranks), args.psml, "train", "--data",
               os.path.join(args.data, "fmnist-train.h5"), "--epochs", str(args.epochs),
               "--model", "mlp", "--hidden", "2048,2048", "--optimizer", "adam", "--lr", "1e-3",
               "--batch", "128", *extra]
        print("$", " ".join(cmd), flush=True)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        print(p.stdout + p.stderr, flush=True)
        if p.returncode != 0:
            sys.exit(f"{kind}: exit code {p.returncode}")
        for (rate, secs), split in zip(EPOCH.findall(p.stdout), SPLIT.findall(p.stdout)):
            seen[kind].append([float(rate), float(secs)] + [float(x) for x in split])

med = {k: [statistics.median(col) for col in zip(*rows)] for k, rows in seen.items()}
blocking = med["mpi"][4]
print(f"\n{args.ranks} ranks, 784-2048-2048-10 MLP, seconds per rank per epoch (median of "
      f"{len(seen['shm'])} epochs):")
print("| allreduce | samples/s | epoch s | compute | wait | allreduce | optimizer | "
      "allreduce / blocking MPI's |")
print("|---|---|---|---|---|---|---|---|")
for k, (rate, secs, compute, wait, comm, opt) in med.items():
    print(f"| {k} | {rate:,.0f} | {secs:.2f} | {compute:.2f} | {wait:.2f} | {comm:.2f} | "
          f"{opt:.2f} | {comm / blocking:.0%} |")
