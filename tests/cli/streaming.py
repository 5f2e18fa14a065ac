"""Streaming a training set larger than the memory budget (--data-memory) against the same run
with the whole shard in memory: the bound on resident memory, accuracy, and speed.

  streaming.py --psml BIN --mpiexec MPIEXEC --work DIR --rows N --features F --budget 256MiB
               [--hidden H] [--epochs E] [--max-slowdown 0.15]

Writes DIR/stream_<rows>x<features>.h5 (uncompressed chunks, as h5py writes by default; kept for
later runs) with `psml data synth`, reads it once to warm the page cache, then trains on 2 ranks
in memory and streamed. Checks: peak resident memory of the busiest streamed rank <= budget +
model + 100 MiB; both runs learn (final train loss within 10% of each other); with
--max-slowdown, streamed samples/s >= (1 - X) x in-memory samples/s (a benchmark's floor: not
used in CI, where the machine is shared). Prints the figures either way.
"""
import argparse, os, re, statistics, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--psml", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--rows", type=int, default=int(os.environ.get("PSML_STREAM_ROWS", 131072)),
                help="default: $PSML_STREAM_ROWS, else 131072 (0.5 GB at 1000 features)")
ap.add_argument("--features", type=int, default=1000)
ap.add_argument("--budget", default=os.environ.get("PSML_STREAM_BUDGET", "64MiB"))
ap.add_argument("--hidden", default="256")
ap.add_argument("--epochs", type=int, default=1)
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--max-slowdown", type=float)
a = ap.parse_args()

units = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
m = re.fullmatch(r"([0-9]+)(KiB|MiB|GiB)", a.budget)
if not m:
    sys.exit(f"--budget {a.budget}: give it as e.g. 256MiB")
budget_mib = int(m.group(1)) * units[m.group(2)] / (1 << 20)

os.makedirs(a.work, exist_ok=True)
data = os.path.join(a.work, f"stream_{a.rows}x{a.features}.h5")
if not os.path.exists(data):
    tmp = data + ".partial"
    subprocess.run([a.psml, "data", "synth", "--rows", str(a.rows), "--features", str(a.features),
                    "--classes", "10", "--separation", "0.05", "--gzip", "0", "--out", tmp],
                   check=True)
    os.replace(tmp, data)
size = os.path.getsize(data)
with open(data, "rb") as f:  # the page cache warm, as the in-memory run finds it too
    while f.read(1 << 24):
        pass
print(f"{data}: {size / 2**30:.2f} GiB, {a.rows} x {a.features}")


def train(extra):
    cmd = [a.mpiexec, "--oversubscribe", "-n", str(a.ranks), a.psml, "train", "--data", data,
           "--epochs", str(a.epochs), "--model", "mlp", "--hidden", a.hidden, "--optimizer",
           "adam", "--lr", "1e-3", "--batch", "128"] + extra
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3000)
    print(p.stdout, p.stderr, sep="", end="", flush=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: exit code {p.returncode}")
    rates = [float(x) for x in re.findall(r"samples/s +([0-9.]+)", p.stdout)]
    loss = float(re.findall(r"train_loss ([0-9.]+)", p.stdout)[-1])
    peak = float(re.search(r"peak resident memory: ([0-9.]+) MiB", p.stdout).group(1))
    params = int(re.search(r"([0-9]+) parameters", p.stdout).group(1))
    return statistics.median(rates), loss, peak, params


mem_rate, mem_loss, mem_peak, params = train([])
stream_rate, stream_loss, stream_peak, _ = train(["--data-memory", a.budget])
# The model: parameters, gradient, optimizer state (Adam: 2), and the shared-memory sum.
model_mib = params * 4 * 5 / 2**20
limit = budget_mib + model_mib + 100
ratio = stream_rate / mem_rate
print(f"in memory: {mem_rate:,.0f} samples/s, peak {mem_peak:.0f} MiB per rank, loss {mem_loss}")
print(f"streamed ({a.budget}): {stream_rate:,.0f} samples/s ({ratio:.3f} of in memory), "
      f"peak {stream_peak:.0f} MiB per rank (limit {limit:.0f} = budget {budget_mib:.0f} + model "
      f"{model_mib:.0f} + 100), loss {stream_loss}")
if stream_peak > limit:
    sys.exit(f"FAIL: streamed peak resident memory {stream_peak:.0f} MiB > {limit:.0f} MiB")
if abs(stream_loss - mem_loss) > 0.1 * mem_loss + 1e-3:
    sys.exit(f"FAIL: streamed loss {stream_loss} is not within 10% of in-memory {mem_loss}")
if a.max_slowdown is not None and ratio < 1 - a.max_slowdown:
    sys.exit(f"FAIL: streamed samples/s {ratio:.3f} of in memory < {1 - a.max_slowdown:.2f}")
print("PASS")
