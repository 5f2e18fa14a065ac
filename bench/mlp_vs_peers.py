#!/usr/bin/python3
"""The MLP task of BENCHMARKS.md, psml beside its peers, one after another in one run:
784-256-128-10 ReLU MLP, Adam lr 1e-3, global batch 128, Fashion-MNIST.

  /usr/bin/python3 bench/mlp_vs_peers.py [--psml build/bin/psml] [--data data] [--rounds 1]
                                          [--peers ../shared/peers] [--epochs 10]

Runs, in order: psml allreduce on 2 ranks (--epochs epochs, for the accuracy), psml on 1 rank,
psml ps with 1 server + 2 workers (bsp), PyTorch DDP (gloo) 2 processes x 1 thread, and
scikit-learn's MLPClassifier (10 epochs). Throughput is the median samples/s of epochs 2 and
later (the first includes start-up); scikit-learn reports only its total time, so its figure is
60,000 x 10 / wall time. With --rounds N the psml allreduce, DDP and psml ps runs alternate N times.
Peers come from Debian's python3-torch and python3-sklearn (bench/setup_peers.sh installs them);
a missing peer is reported and skipped.
"""
import argparse, os, re, statistics, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(root, "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402
ap = argparse.ArgumentParser()
ap.add_argument("--psml", default=os.path.join(root, "build/bin/psml"))
ap.add_argument("--data", default=os.path.join(root, "data"))
ap.add_argument("--peers", default=os.path.join(root, "..", "shared", "peers"))
ap.add_argument("--epochs", type=int, default=10)
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--mpirun", default="mpirun")
args = ap.parse_args()
env = open_mpi_env(OMP_NUM_THREADS="1")
TASK = ["--model", "mlp", "--hidden", "256,128", "--optimizer", "adam", "--lr", "1e-3",
        "--batch", "128"]


def sh(cmd, **kw):
    print("$", " ".join(cmd), flush=True)
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    print(p.stdout[-3000:] + p.stderr[-2000:], flush=True)
    return p, time.monotonic() - start


def psml(ranks, epochs, *extra):
    train, test = f"{args.data}/fmnist-train.h5", f"{args.data}/fmnist-t10k.h5"
    p, _ = sh([args.mpirun, "--oversubscribe", "-np", str(ranks), args.psml, "train", "--data",
               train, "--test", test, "--epochs", str(epochs), *TASK, *extra])
    if p.returncode != 0:
        sys.exit("psml failed")
    rates = [float(x) for x in re.findall(r"samples/s +([0-9.]+)", p.stdout)]
    acc = re.findall(r"test_acc ([0-9.]+)", p.stdout)
    return statistics.median(rates[1:] or rates), float(acc[-1]) if acc else None, epochs


def torch_ddp():
    script = os.path.join(args.peers, "torch_ddp_mlp.py")
    if not os.path.exists(script):
        return None
    p, _ = sh(["/usr/bin/python3", script, "2", "3"])
    rates = [float(x) for x in re.findall(r"samples_per_s=([0-9.]+)", p.stdout)]
    acc = re.findall(r"test_acc=([0-9.]+)", p.stdout)
    return (statistics.median(rates[1:]), float(acc[-1]), 3) if rates else None


def sklearn():
    script = os.path.join(args.peers, "sklearn_refs.py")
    if not os.path.exists(script):
        return None
    p, _ = sh(["/usr/bin/python3", script, "mlp"])
    m = re.search(r"test_acc=([0-9.]+) wall_s=([0-9.]+)", p.stdout)
    return (60000 * 10 / float(m.group(2)), float(m.group(1)), 10) if m else None


rows = {}
for r in range(args.rounds):
    rows.setdefault("psml allreduce, 2 ranks", []).append(psml(2, args.epochs if r == 0 else 3))
    rows.setdefault("PyTorch DDP (gloo), 2 processes x 1 thread", []).append(torch_ddp())
    rows.setdefault("psml ps, 1 server + 2 workers, bsp", []).append(
        psml(3, 3, "--mode", "ps", "--servers", "1"))
rows["psml allreduce, 1 rank"] = [psml(1, 3)]
rows["scikit-learn MLPClassifier (256,128), 10 epochs"] = [sklearn()]

machine = subprocess.run([args.psml, "--version"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
width = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
print(f"\nmachine: {cpu} with {width}, {os.cpu_count()} cores; {machine}")
psml_rate = statistics.median(x[0] for x in rows["psml allreduce, 2 ranks"])
print(f"| run | samples/s | psml allreduce 2 ranks / this | test accuracy (epochs) |")
print("|---|---|---|---|")
for name, results in rows.items():
    results = [x for x in results if x]
    if not results:
        print(f"| {name} | not run (peer not installed) | | |")
        continue
    rate = statistics.median(x[0] for x in results)
    acc = results[0][1]
    spread = f" ({min(x[0] for x in results):,.0f}-{max(x[0] for x in results):,.0f})" if len(results) > 1 else ""
    print(f"| {name} | {rate:,.0f}{spread} | {psml_rate / rate:.2f}x | {acc if acc is not None else '-'} ({results[0][2]}) |")
