#!/usr/bin/env python3
"""The alpha-beta cost model of one synchronous training step, beside psml simulate's points.

  python3 bench/cost_model.py --points docs/simulation/scaling/points.jsonl --out docs/simulation

One step of W workers, each computing b rows, for a model of P float parameters (4P bytes):
  compute      c b                       c: seconds per row (psml simulate's calibration)
  allreduce    2 log2(W) alpha + 2 (W-1)/W 4P / B  reduce-scatter, then allgather, each by
                                                    recursive halving / doubling (Rabenseifner:
                                                    what Open MPI 4.1, and SMPI's copy of its
                                                    selector, pick for a 0.94 MB sum on 4 or more
                                                    ranks); a ring moves the same bytes with
                                                    2 (W-1) alpha
               + o P                     every worker's optimizer update of all P keys
  ps, S servers (bsp)
               push  max(alpha + 4P/B, alpha + W 4P/(S B), 2 W alpha)
                     a worker sends P floats; a server's link takes W workers' P/S each; and a
                     server takes the W pushes in turn, each a header, then its payload: two
                     latencies each, whatever S is (every worker pushes to every server)
               apply g W P/S             a server sums W pushes and updates its P/S keys; g
                                         fitted to the simulation's server update times
               pull  the same for the replies: the bytes back, a request and a reply each
  sparse ps    as ps with P replaced by the keys a worker's rows touch, u: a worker sends 20
               bytes a key (its 8-byte id and 4-byte value pushed, its id again to pull it) and
               receives 4 (its value)
B: link bandwidth; alpha: per-message latency (link latency, plus MPI's per-message cost);
g: server seconds per pushed key; o: optimizer seconds per key. The model has no contention but
the links it names, and no overlap of compute and exchange
(psml simulate runs --bucket-mb 0: the sum starts after the backward pass).
Prints a table and plots predicted samples/s and parallel efficiency (samples/s over W / c, W
workers computing without exchanging) against W, with the simulator's points where --points has them.
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps"))
from psml_tools.output_files import save_figure  # noqa: E402


def step_seconds(p):
    """The model's step time and its parts, for one point (a dict of the figures above)."""
    W, b, c, B, alpha = p["workers"], p["batch"], p["c"], p["bandwidth_bps"] / 8, p["alpha"]
    compute = c * b
    if p["exchange"] == "allreduce":
        P = p["params"]
        comm = 2 * math.ceil(math.log2(W)) * alpha + 2 * (W - 1) / W * 4 * P / B
        return {"compute": compute, "communication": comm, "server": 0.0,
                "optimizer": p["o"] * P}
    S = p["servers"]
    if p.get("keys_per_worker"):  # sparse: ids out with the values, ids out for the pull
        u = p["keys_per_worker"]
        push_bytes, pull_bytes, keys = 20 * u, 4 * u, u
    else:
        P = p["params"]
        push_bytes = pull_bytes = 4 * P
        keys = P
    push = max(alpha + max(push_bytes / B, W * push_bytes / (S * B)), 2 * W * alpha)
    pull = max(alpha + max(pull_bytes / B, W * pull_bytes / (S * B)), 2 * W * alpha)
    server = p["g"] * W * keys / S
    return {"compute": compute, "communication": push + pull, "server": server, "optimizer": 0.0}


def predict(p):
    parts = step_seconds(p)
    step = sum(parts.values())
    rate = p["workers"] * p["batch"] / step
    # Parallel efficiency: over W times one worker computing alone (1 / c samples/s).
    return {**parts, "step": step, "samples_per_second": rate,
            "efficiency": rate * p["c"] / p["workers"]}


def exchange_of(point):
    if point["mode"] != "ps":
        return "allreduce"
    ratio = point["workers"] / point["servers"]
    return f"S=W/{ratio:g}"


def read_points(path):
    points = []
    if path and os.path.exists(path):
        with open(path) as f:
            points = [json.loads(line) for line in f if line.strip()]
    return points


def main():
    ap = argparse.ArgumentParser(description="alpha-beta model of a training step")
    ap.add_argument("--points", help="psml simulate --json results (JSON lines) to plot beside")
    ap.add_argument("--out", default=".", help="where the plots go")
    ap.add_argument("--workers", default="8,16,32,64,128,256,512,1024")
    ap.add_argument("--bandwidths", default="10,25,100", help="Gbit/s")
    ap.add_argument("--latency", type=float, default=5e-6, help="link latency (s)")
    # SMPI's default model of MPI over TCP, which psml simulate uses, scales both for messages
    # over 64 KB (its smpi/bw-factor and smpi/lat-factor): the model takes the same figures.
    ap.add_argument("--bw-factor", type=float, default=0.9407,
                    help="share of the link's bandwidth a large message gets")
    ap.add_argument("--lat-factor", type=float, default=11.64,
                    help="a large message's latency over the link's")
    ap.add_argument("--g", type=float,
                    help="server seconds per pushed key (default: fitted to the points' server "
                    "update times, else 1 ns)")
    ap.add_argument("--o", type=float, default=1.5e-9, help="optimizer seconds per key")
    args = ap.parse_args()
    points = read_points(args.points)
    tasks = {}
    if not points:  # the MLP task as psml simulate calibrates it on a 2-core AMD EPYC
        tasks["mlp"] = {"params": 235146, "batch_per_worker": 64,
                        "compute_seconds_per_row": 7.5e-6}
    for q in points:  # the simulator's figures calibrate the model: c, P, b, keys per worker
        tasks.setdefault(q.get("task", "mlp"), q)
    fitted = {}  # per task: a server's update time per pushed key, the median over ps points
    for task in tasks:
        per_key = sorted(q["optimizer_per_step_s"] * q["servers"] /
                         (q["workers"] * (q.get("keys_per_worker") or q["params"]))
                         for q in points if q.get("task", "mlp") == task and q["mode"] == "ps")
        fitted[task] = per_key[len(per_key) // 2] if per_key else 1e-9
    rows = []
    for task, q in tasks.items():
        for gbit in map(float, args.bandwidths.split(",")):
            for W in map(int, args.workers.split(",")):
                for exchange in ("allreduce", "S=W/8", "S=W/4"):
                    if task != "mlp" and exchange == "allreduce" and not q.get("params"):
                        continue
                    p = {"workers": W, "batch": q["batch_per_worker"],
                         "c": q["compute_seconds_per_row"],
                         "bandwidth_bps": gbit * 1e9 * args.bw_factor,
                         "alpha": args.latency * args.lat_factor, "params": q["params"],
                         "g": args.g if args.g is not None else fitted[task], "o": args.o,
                         "exchange": exchange,
                         "servers": max(1, W // int(exchange.split("/")[1]))
                         if exchange != "allreduce" else 0,
                         "keys_per_worker": q.get("keys_per_worker")}
                    rows.append({"task": task, "gbit": gbit, "workers": W, "exchange": exchange,
                                 **predict(p)})
    print(f"{'task':8} {'Gbit/s':>6} {'W':>5} {'exchange':>8} {'samples/s':>12} {'eff.':>6} "
          f"{'compute ms':>10} {'comm ms':>8} {'server ms':>9} {'opt ms':>7}")
    for r in rows:
        print(f"{r['task']:8} {r['gbit']:6g} {r['workers']:5} {r['exchange']:>8} "
              f"{r['samples_per_second']:12,.0f} {r['efficiency']:6.2f} {r['compute'] * 1e3:10.2f} "
              f"{r['communication'] * 1e3:8.2f} {r['server'] * 1e3:9.2f} {r['optimizer'] * 1e3:7.2f}")
    plot(rows, points, args.out)
    return 0


def plot(rows, points, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out, exist_ok=True)
    styles = {"allreduce": "-", "S=W/8": "--", "S=W/4": ":"}
    markers = {"allreduce": "o", "S=W/8": "s", "S=W/4": "^"}
    colors = {10.0: "tab:blue", 25.0: "tab:orange", 100.0: "tab:green"}
    for task in sorted({r["task"] for r in rows}):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 5))
        for (gbit, exchange) in sorted({(r["gbit"], r["exchange"]) for r in rows
                                        if r["task"] == task}):
            line = [r for r in rows if r["task"] == task and r["gbit"] == gbit
                    and r["exchange"] == exchange]
            color = colors.get(gbit)
            kw = dict(color=color, linestyle=styles[exchange], lw=1.2)
            ax.plot([r["workers"] for r in line], [r["samples_per_second"] for r in line], **kw,
                    label=f"model: {exchange}, {gbit:g} Gbit/s")
            ax2.plot([r["workers"] for r in line], [r["efficiency"] for r in line], **kw)
            sim = sorted((q for q in points if q.get("task", "mlp") == task and
                          abs(q["bandwidth_bps"] / 1e9 - gbit) < 1e-6 and
                          exchange_of(q) == exchange), key=lambda q: q["workers"])
            if sim:
                ax.scatter([q["workers"] for q in sim], [q["samples_per_second"] for q in sim],
                           color=color, marker=markers[exchange], s=28,
                           label=f"simulated: {exchange}, {gbit:g} Gbit/s")
                ax2.scatter([q["workers"] for q in sim], [q["efficiency"] for q in sim],
                            color=color, marker=markers[exchange], s=28)
        for a in (ax, ax2):
            a.set_xscale("log", base=2)
            a.set_xlabel("workers")
            a.grid(True, which="both", alpha=0.3)
        ax.set_yscale("log")
        ax.set_ylabel("samples/s")
        ax2.set_ylabel("parallel efficiency")
        top = max([r["efficiency"] for r in rows if r["task"] == task] +
                  [q["efficiency"] for q in points if q.get("task", "mlp") == task])
        ax2.set_ylim(0, min(1.05, 1.3 * top))
        ax.set_title(f"{task}: predicted samples/s (lines: cost model, points: psml simulate)",
                     fontsize=9)
        ax2.set_title(f"{task}: parallel efficiency", fontsize=9)
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        save_figure(fig, os.path.join(out, f"scaling-{task}.png"), 110)
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
