#!/usr/bin/env python3
"""Checks psml simulate against the emulated cluster: the same runs both ways.

  sudo python3 bench/validate_simulation.py --out docs/simulation/validation

For each point (emulated hosts x link rate x exchange), psml trains the MLP task on generated
Fashion-MNIST-shaped data (784 features, 10 classes) on the emulated cluster (cluster/local/run.sh:
network namespaces joined by tc-shaped links, one rank per host), then psml simulate runs the same
job on a simulated platform calibrated from the emulated cluster's own figures:
  * link bandwidth and latency, per link rate: a TCP stream's bandwidth between two emulated
    hosts, and what is left of a 0.1 MB allreduce's time between them once its bytes are sent;
  * compute per row: the emulated run's own forward and backward time per row, measured while the
    emulated hosts share this machine's cores (slower than one rank alone);
  * code that runs for real in the simulation (optimizer, servers) is charged ranks / cores times
    its time here, the emulated hosts' share of the cores.
The SMPI network model's message-size factors are off (the link figures are already MPI's).
Writes validation.csv / validation.json and validation.png (predicted vs measured samples/s).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(SOURCE, "apps"))
from psml_tools.metrics import read_metrics  # noqa: E402 (as psml simulate reads them)
from psml_tools.output_files import save_figure  # noqa: E402
MLP = ["--model", "mlp", "--hidden", "256,128", "--optimizer", "adam", "--lr", "0.001"]


# Both sides sum gradients by the same algorithm, a ring: Open MPI's (tuned algorithm 4) on the
# emulated cluster, SMPI's (lr) in the simulation, so that a difference is the network's.
RING_ENV = {"OMPI_MCA_coll_tuned_use_dynamic_rules": "1",
            "OMPI_MCA_coll_tuned_allreduce_algorithm": "4"}


def run(cmd, log_path, timeout, env=None):
    with open(log_path, "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                              check=False, env=dict(os.environ, **(env or {})))
    if done.returncode != 0:
        with open(log_path, errors="replace") as f:
            tail = f.read()[-2000:]
        sys.exit(f"validate_simulation: failed ({log_path}):\n{tail}")
    with open(log_path, errors="replace") as f:
        return f.read()


def link_figures(args, rate, out):
    """(bandwidth bits/s, latency s) of a link between two emulated hosts: the bandwidth a TCP
    stream gets (cluster/local/bandwidth_probe.py, 25 MB), and the latency left of Open MPI's
    allreduce of 0.1 MB between the two hosts once its bytes are sent at that bandwidth."""
    text = run([args.cluster, "--hosts", "2", "--rate", rate, "--", "/usr/bin/python3",
                os.path.join(SOURCE, "cluster", "local", "bandwidth_probe.py")],
               os.path.join(out, f"probe-{rate}.log"), 600)
    bandwidth = float(re.search(r"([0-9.]+) Mbit/s", text).group(1)) * 1e6
    text = run([args.cluster, "--hosts", "2", "--rate", rate, "--", args.psml, "bench",
                "allreduce", "--megabytes", "0.1", "--iterations", "20", "--repeats", "5"],
               os.path.join(out, f"latency-{rate}.log"), 600)
    seconds = next(float(line.split()[1]) * 1e-6 for line in text.splitlines()
                   if re.match(r"\s+0\.1\s", line))
    return bandwidth, max(1e-6, seconds - 0.1e6 * 8 / bandwidth)


def emulated(args, hosts, rate, mode, out):
    workers = hosts - 1 if mode == "ps" else hosts
    rows = workers * args.batch_per_worker * args.steps
    data = f"synthetic:rows={rows},features=784,classes=10"
    metrics = os.path.join(out, f"emulated-{mode}-{hosts}-{rate}.jsonl")
    if os.path.exists(metrics):
        os.remove(metrics)
    cmd = [args.cluster, "--hosts", str(hosts), "--rate", rate, "--", args.psml, "train",
           "--data", data, "--mode", mode, "--batch", str(workers * args.batch_per_worker),
           "--epochs", str(args.epochs), "--metrics", metrics, "--quiet", *MLP]
    cmd += ["--servers", "1", "--consistency", "bsp"] if mode == "ps" else ["--bucket-mb", "0"]
    run(cmd, metrics.replace(".jsonl", ".log"), 1200, RING_ENV)
    epochs = read_metrics(metrics)[1][1:]  # the first epoch warms up (connections, first pull)
    if not epochs:
        sys.exit(f"validate_simulation: {metrics} holds no epoch after the first")
    rate_measured = statistics.median(e["samples_per_second"] for e in epochs)
    per_row = statistics.median(e["compute_s"] / (e["steps"] * args.batch_per_worker)
                                for e in epochs)
    return workers, rate_measured, per_row


def simulated(args, hosts, workers, mode, link, per_row, out):
    bandwidth, latency = link
    cmd = [args.psml, "simulate", "--workers", str(workers), "--mode", mode,
           "--bandwidth", f"{bandwidth / 1e6:.3f}mbit", "--latency", f"{latency * 1e6:.2f}us",
           "--batch-per-worker", str(args.batch_per_worker), "--steps", str(args.steps),
           "--compute-seconds-per-row", repr(per_row),
           "--host-slowdown", str(max(1.0, hosts / (os.cpu_count() or 1))),
           "--exact-links", "--allreduce", "lr", "--json",
 "--out", os.path.join(out, f"sim-{mode}-{hosts}-{link[0]:.0f}")]
    if mode == "ps":
        cmd += ["--servers", "1"]
    text = run(cmd + ["--", *MLP], os.path.join(out, f"simulate-{mode}-{hosts}-{bandwidth:.0f}.log"),
               1200)
    return json.loads(text.strip().splitlines()[-1])


def plot(points, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    for mode, marker in (("allreduce", "o"), ("ps", "s")):
        for rate, color in zip(sorted({p["rate"] for p in points}), ("tab:blue", "tab:orange",
                                                                      "tab:green")):
            sel = [p for p in points if p["mode"] == mode and p["rate"] == rate]
            ax.scatter([p["measured"] for p in sel], [p["predicted"] for p in sel], marker=marker,
                       color=color, label=f"{mode}, {rate}")
            for p in sel:
                ax.annotate(f"{p['hosts']}", (p["measured"], p["predicted"]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
    lo = min(min(p["measured"], p["predicted"]) for p in points) * 0.7
    hi = max(max(p["measured"], p["predicted"]) for p in points) * 1.4
    ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="predicted = measured")
    ax.fill_between([lo, hi], [lo * 0.75, hi * 0.75], [lo * 1.25, hi * 1.25], color="grey",
                    alpha=0.15, label="within 25%")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("measured samples/s (emulated cluster)")
    ax.set_ylabel("predicted samples/s (psml simulate)")
    ax.set_title("psml simulate vs the emulated cluster\n(labels: hosts; MLP 784-256-128-10)")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_figure(fig, path, 120)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", default="2,4,8")
    ap.add_argument("--rates", default="100mbit,1gbit")
    ap.add_argument("--modes", default="allreduce,ps")
    ap.add_argument("--batch-per-worker", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10, help="steps per epoch")
    ap.add_argument("--epochs", type=int, default=3, help="the first is not measured")
    ap.add_argument("--psml", default=os.path.join(SOURCE, "build", "bin", "psml"))
    ap.add_argument("--cluster", default=os.path.join(SOURCE, "cluster", "local", "run.sh"))
    ap.add_argument("--out", default="validation")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    points = []
    for rate in args.rates.split(","):
        link = link_figures(args, rate, args.out)
        print(f"{rate}: Open MPI between two emulated hosts: {link[0] / 1e6:.1f} Mbit/s, "
              f"{link[1] * 1e6:.1f} us", flush=True)
        for mode in args.modes.split(","):
            for hosts in map(int, args.hosts.split(",")):
                workers, measured, per_row = emulated(args, hosts, rate, mode, args.out)
                sim = simulated(args, hosts, workers, mode, link, per_row, args.out)
                p = {"hosts": hosts, "rate": rate, "mode": mode, "workers": workers,
                     "servers": 1 if mode == "ps" else 0, "link_mbit": link[0] / 1e6,
                     "link_latency_us": link[1] * 1e6, "compute_us_per_row": per_row * 1e6,
                     "measured": measured, "predicted": sim["samples_per_second"],
                     "sim_wall_s": sim["wall_s"]}
                p["error"] = p["predicted"] / p["measured"] - 1
                points.append(p)
                print(f"  {mode:9} {hosts} hosts: measured {measured:8.0f}  predicted "
                      f"{p['predicted']:8.0f}  ({p['error']:+.1%})", flush=True)
                with open(os.path.join(args.out, "validation.json"), "w") as f:
                    json.dump(points, f, indent=1)
    with open(os.path.join(args.out, "validation.csv"), "w") as f:
        keys = list(points[0])
        f.write(",".join(keys) + "\n")
        for p in points:
            f.write(",".join(f"{p[k]:.4g}" if isinstance(p[k], float) else str(p[k])
                             for k in keys) + "\n")
    plot(points, os.path.join(args.out, "validation.png"))
    worst = max(abs(p["error"]) for p in points)
    print(f"worst error {worst:.1%} over {len(points)} points "
          f"({'all within' if worst <= 0.25 else 'NOT all within'} 25%)")
    return 0 if worst <= 0.25 else 1


if __name__ == "__main__":
    sys.exit(main())
