#!/usr/bin/env python3
"""psml simulate: the real training loop on a simulated cluster (SimGrid SMPI).

Runs the simulation build of psml (scripts/build_sim.sh: psml compiled with smpicxx) under
smpirun on a generated platform of W worker hosts (and S server hosts in ps mode), one rank per
host, for a few steps of generated data, and prints the predicted samples/s and the per-step time
split, from the metrics records of the simulated run (the same records as a real run's).

What is simulated and what is not (docs/simulation.md): every message psml sends (the allreduce
by SMPI's copy of Open MPI 4.1's algorithms, the parameter servers' pushes, pulls and consistency
waits) crosses the simulated network; the model's forward and backward passes are not run but
charged, --compute-seconds-per-row per row of the step (calibrated here on this machine unless
given); all other code (optimizer updates, a server's sums, framing) runs for real and is charged
its measured time, times --host-slowdown.
"""

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
# psml_tools sits beside this script's folder: apps/ in the source tree, share/psml/ installed.
sys.path.insert(0, os.path.dirname(HERE))
from psml_tools import ToolError  # noqa: E402
from psml_tools.logs import last_error_line  # noqa: E402
from psml_tools.metrics import SPLIT, read_metrics  # noqa: E402
from psml_tools.open_mpi import open_mpi_env  # noqa: E402
from psml_tools.units import bits_per_second, seconds  # noqa: E402

# The MLP task (examples/train.toml): what runs unless training options follow "--".
DEFAULT_TRAIN = ["--model", "mlp", "--hidden", "256,128", "--optimizer", "adam", "--lr", "0.001"]
HOST_FLOPS = 1e9  # every simulated host's speed: charged seconds are seconds at this speed


def gives_compression(train):
    """Whether the training options compress the gradients (psml train refuses --bucket-mb then)."""
    values = [train[i + 1] for i, a in enumerate(train[:-1]) if a == "--compression"]
    values += [a.split("=", 1)[1] for a in train if a.startswith("--compression=")]
    return any(v != "none" for v in values)


def platform_xml(hosts, bandwidth_bps, latency_s, topology, half_duplex=False):
    """A cluster of `hosts` hosts, each with its own link to a non-blocking switch (flat), or a
    fat tree (topology 'fat-tree:LEVELS;DOWN;UP;PARALLEL', SimGrid's syntax). Full-duplex links
    (SPLITDUPLEX: the bandwidth each way), or half-duplex (SHARED: both ways share it)."""
    sharing = "SHARED" if half_duplex else "SPLITDUPLEX"
    bw = f"{bandwidth_bps / 8:.0f}Bps"  # SimGrid's bandwidths are in bytes per second
    lat = f"{latency_s * 1e6:g}us"
    extra = ""
    if topology.startswith("fat-tree:"):
        extra = f' topology="FAT_TREE" topo_parameters="{topology.split(":", 1)[1]}"'
    elif topology != "flat":
        raise ToolError(f"--topology {topology}: flat or fat-tree:LEVELS;DOWN;UP;PARALLEL")
    return (
        "<?xml version='1.0'?>\n"
        '<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n'
        '<platform version="4.1">\n'
        f'  <cluster id="cluster" prefix="host-" suffix="" radical="0-{hosts - 1}" '
        f'speed="{HOST_FLOPS:.0f}f" bw="{bw}" lat="{lat}" sharing_policy="{sharing}"{extra}/>\n'
        "</platform>\n")


def smpi_options(exact_links, host_slowdown, collectives="ompi", allreduce=None):
    """smpirun's --cfg and --log options of a psml simulation."""
    return [
        f"--cfg=smpi/coll-selector:{collectives}",
        *([f"--cfg=smpi/allreduce:{allreduce}"] if allreduce else []),
        # Code between MPI calls is measured and charged (times the slowdown); compute charged
        # by psml comes on top.
        f"--cfg=smpi/host-speed:{HOST_FLOPS * host_slowdown:.0f}f",
        # A blocked MPI_Probe polls in SMPI: a microsecond per poll, not SMPI's growing 0.1 ms.
        "--cfg=smpi/grow-injected-times:no", "--cfg=smpi/iprobe:1e-6", "--cfg=smpi/test:1e-6",
        *(["--cfg=smpi/bw-factor:0:1", "--cfg=smpi/lat-factor:0:1",
           "--cfg=network/TCP-gamma:1e12", "--cfg=network/crosstraffic:0"]
          if exact_links else []),
        "--log=root.thres:warning", "--log=smpi_config.thres:error"]


def calibrate(args, train, data, log_dir):
    """Seconds per row of the model's forward and backward pass on this machine: psml (the
    ordinary build) trains the same model on the same generated data on one worker (sparse data:
    with one server, by mpirun); its metrics give compute_s over rows of the later epochs."""
    metrics = os.path.join(log_dir, "calibration.jsonl")
    if os.path.exists(metrics):  # psml appends to a metrics file: no old epochs in the median
        os.remove(metrics)
    rows = args.batch_per_worker * 8
    cmd = [args.psml, "train", "--data", re.sub(r"rows=\d+", f"rows={rows}", data),
           "--batch", str(args.batch_per_worker), "--epochs", "3", "--quiet",
           "--metrics", metrics, *train]
    if args.nnz > 0:
        cmd = [shutil.which("mpirun") or "mpirun", "-np", "2", *cmd, "--mode", "ps",
               "--servers", "1"]
    log_path = os.path.join(log_dir, "calibration.log")
    with open(log_path, "w") as log:
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False,
                              env=open_mpi_env())
    if done.returncode != 0:
        raise ToolError("calibration failed (" + " ".join(map(shlex.quote, cmd)) + "): " +
                        (last_error_line(log_path) or f"no error line in {log_path}"))
    _, epochs = read_metrics(metrics)
    # compute_s: the epoch's forward and backward passes (one worker), over its steps' rows.
    per_row = [e["compute_s"] / (e["steps"] * args.batch_per_worker) for e in epochs[1:]
               if e.get("steps")]
    if not per_row:
        raise ToolError(f"calibration wrote no epoch records to {metrics}")
    return statistics.median(per_row)


def main():
    parser = argparse.ArgumentParser(
        prog="psml simulate",
        description="Predict a training run's samples/s on a simulated cluster (SimGrid SMPI). "
        "Training options (model, optimizer, compression, ...) follow '--'; default: the MLP "
        "task, " + " ".join(DEFAULT_TRAIN) + ".")
    parser.add_argument("--workers", type=int, required=True, help="worker hosts")
    parser.add_argument("--mode", choices=("allreduce", "ps"), default="allreduce")
    parser.add_argument("--servers", type=int, default=1, help="ps: server hosts")
    parser.add_argument("--consistency", default="bsp", help="ps: bsp, ssp:K or async")
    parser.add_argument("--bandwidth", default="10gbit", help="each host's link (default 10gbit)")
    parser.add_argument("--latency", default="5us", help="each link's latency (default 5us)")
    parser.add_argument("--topology", default="flat",
                        help="flat (a non-blocking switch) or fat-tree:LEVELS;DOWN;UP;PARALLEL")
    parser.add_argument("--batch-per-worker", type=int, default=64, metavar="ROWS",
                        help="rows per worker per step; the global batch is workers x this")
    parser.add_argument("--steps", type=int, default=3,
                        help="steps per epoch; two epochs run, the second is measured")
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--nnz", type=int, default=0,
                        help="> 0: sparse rows (binary labels) of up to this many values (ps mode)")
    parser.add_argument("--compute-seconds-per-row", type=float, metavar="S",
                        help="charge S seconds per row for the model's passes (default: measured "
                        "now on this machine)")
    parser.add_argument("--host-slowdown", type=float, default=1.0, metavar="K",
                        help="code run for real is charged K times its time here (emulated hosts "
                        "sharing cores: ranks per core)")
    parser.add_argument("--half-duplex", action="store_true",
                        help="a link's bandwidth is shared by both directions (default: each way)")
    parser.add_argument("--exact-links", action="store_true",
                        help="links deliver exactly their bandwidth and latency to MPI (for link "
                        "figures measured with MPI); default: SMPI's model of MPI over TCP, "
                        "whose message-size factors lower both")
    parser.add_argument("--collectives", default="ompi",
                        help="SMPI's collective selector (default ompi: Open MPI 4.1's choices)")
    parser.add_argument("--allreduce", metavar="ALGORITHM",
                        help="SMPI's allreduce algorithm, e.g. lr (a ring), rab_rsag, rdb "
                        "(default: the selector's choice by size)")
    parser.add_argument("--out", metavar="DIR", help="keep the platform, logs and metrics here")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    parser.add_argument("--psml", default=os.environ.get("PSML_BIN") or "psml",
                        help="the ordinary psml, for the calibration")
    parser.add_argument("--psml-sim", default=os.environ.get("PSML_SIM_BIN") or
                        os.path.join(os.environ.get("PSML_SIM_BUILD") or
                                     os.path.join(SOURCE, "build-sim"), "bin", "psml"),
                        help="the simulation build's psml (default: build-sim/bin/psml)")
    argv = sys.argv[1:]
    train = []
    if "--" in argv:
        train = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = parser.parse_args(argv)
    train = train or DEFAULT_TRAIN
    try:
        result = simulate(args, train)
    except ToolError as e:
        print(f"psml simulate: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # --out not writable, a program not found
        where = f" {e.filename}" if e.filename else ""
        print(f"psml simulate: error:{where}: {e.strerror}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        print(describe(result))
    return 0


def simulate(args, train):
    if args.workers < 1:
        raise ToolError(f"--workers {args.workers}: at least 1")
    if args.mode == "ps" and args.servers < 1:
        raise ToolError(f"--servers {args.servers}: at least 1")
    if args.nnz > 0 and args.mode != "ps":
        raise ToolError("--nnz (sparse data) trains with --mode ps")
    for option, value in (("--steps", args.steps), ("--batch-per-worker", args.batch_per_worker),
                          ("--features", args.features)):
        if value < 1:
            raise ToolError(f"{option} {value}: at least 1")
    if args.host_slowdown <= 0:
        raise ToolError(f"--host-slowdown {args.host_slowdown}: more than 0")
    if args.topology != "flat" and not args.topology.startswith("fat-tree:"):
        raise ToolError(f"--topology {args.topology}: flat or fat-tree:LEVELS;DOWN;UP;PARALLEL")
    if not os.access(args.psml_sim, os.X_OK):
        raise ToolError(f"{args.psml_sim}: no simulation build there; make it with "
                            "scripts/build_sim.sh (or name it with --psml-sim)")
    smpirun = shutil.which("smpirun")
    if smpirun is None:
        raise ToolError("smpirun not found: install SimGrid (Debian: libsimgrid-dev)")
    bandwidth = bits_per_second(args.bandwidth, "--bandwidth")
    latency = seconds(args.latency, "--latency")
    workers = args.workers
    servers = args.servers if args.mode == "ps" else 0
    hosts = workers + servers
    out = args.out or tempfile.mkdtemp(prefix="psml-simulate-")
    os.makedirs(out, exist_ok=True)
    rows = workers * args.batch_per_worker * args.steps
    data = (f"synthetic:rows={rows},features={args.features},nnz={args.nnz}" if args.nnz
            else f"synthetic:rows={rows},features={args.features},classes={args.classes}")
    per_row = args.compute_seconds_per_row
    calibrated = per_row is None
    if calibrated:
        per_row = calibrate(args, train, data, out)
    with open(os.path.join(out, "platform.xml"), "w") as f:
        f.write(platform_xml(hosts, bandwidth, latency, args.topology, args.half_duplex))
    with open(os.path.join(out, "hostfile"), "w") as f:
        f.write("".join(f"host-{i}\n" for i in range(hosts)))
    metrics = os.path.join(out, "metrics.jsonl")
    if os.path.exists(metrics):
        os.remove(metrics)
    cmd = [smpirun, "-np", str(hosts), "-platform", os.path.join(out, "platform.xml"),
           "-hostfile", os.path.join(out, "hostfile"),
           *smpi_options(args.exact_links, args.host_slowdown, args.collectives, args.allreduce),
           args.psml_sim, "train", "--data", data, "--mode", args.mode,
           "--batch", str(workers * args.batch_per_worker), "--epochs", "2",
           "--compute-seconds-per-row", repr(per_row), "--metrics", metrics, "--quiet"]
    if args.mode == "ps":
        cmd += ["--servers", str(servers), "--consistency", args.consistency]
    elif not gives_compression(train):  # compressed gradients travel in no buckets
        cmd += ["--bucket-mb", "0"]  # one allreduce after the pass: SMPI's Iallreduce is naive
    cmd += train
    log_path = os.path.join(out, "simulation.log")
    started = time.monotonic()
    with open(log_path, "w") as log:
        log.write(" ".join(map(shlex.quote, cmd)) + "\n")
        log.flush()
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run, epochs = read_metrics(metrics)
    if done.returncode != 0 or len(epochs) < 2:
        raise ToolError(f"the simulation failed (exit {done.returncode}; {log_path}): " +
                        (last_error_line(log_path) or "no error line"))
    e = epochs[-1]
    steps = e.get("steps") or args.steps
    # The epoch records hold means over the workers.
    split = {part: (e.get(f"{part}_s") or 0.0) / steps for part in SPLIT}
    return {
        "workers": workers, "servers": servers, "mode": args.mode,
        "consistency": args.consistency if args.mode == "ps" else None,
        "bandwidth_bps": bandwidth, "latency_s": latency, "topology": args.topology,
        "batch_per_worker": args.batch_per_worker, "data": data, "train": " ".join(train),
        "params": run.get("params") if run else None,
        "compute_seconds_per_row": per_row, "calibrated": calibrated,
        "host_slowdown": args.host_slowdown, "collectives": args.collectives,
        "exact_links": args.exact_links, "allreduce": args.allreduce,
        "half_duplex": args.half_duplex,
        "samples_per_second": e.get("samples_per_second"),
        "step_s": (e.get("epoch_s") or 0.0) / steps,
        **{f"{part}_per_step_s": v for part, v in split.items()},
        "bytes_sent_per_step": (e.get("bytes_sent") or 0.0) / steps,
        "wall_s": wall, "peak_memory_mib": peak_kib / 1024, "out": out,
    }


def describe(r):
    link = f"{r['bandwidth_bps'] / 1e9:g} Gbit/s, {r['latency_s'] * 1e6:g} µs"
    who = (f"{r['workers']} workers + {r['servers']} servers, ps {r['consistency']}"
           if r["mode"] == "ps" else f"{r['workers']} workers, allreduce")
    split = ", ".join(f"{p} {r[f'{p}_per_step_s'] * 1e3:.2f} ms" for p in SPLIT)
    source = "calibrated here" if r["calibrated"] else "given"
    return (f"psml simulate: {who}, {r['topology']} cluster, links {link}\n"
            f"  predicted {r['samples_per_second']:,.0f} samples/s "
            f"({r['batch_per_worker']} rows per worker per step)\n"
            f"  step {r['step_s'] * 1e3:.2f} ms; per worker: {split}\n"
            f"  compute charged {r['compute_seconds_per_row'] * 1e6:.2f} µs per row ({source})\n"
            f"  simulated in {r['wall_s']:.1f} s of wall time, peak memory "
            f"{r['peak_memory_mib']:,.0f} MiB; platform, logs and metrics in {r['out']}")


if __name__ == "__main__":
    sys.exit(main())
