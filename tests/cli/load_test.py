"""Load test: 16 ranks oversubscribed (12 workers + 4 servers) train sparse logistic regression
with 100,000,000 features (100M parameters through 4 servers, 25M keys each) on synthetic sparse
rows, in small steps: thousands of small push / pull messages per second. The run must finish,
and every rank's resident memory must stay flat (sampled from /proc while it runs).

  load_test.py PSML MPIEXEC WORKDIR [ROWS] [EPOCHS]
"""
import os, re, subprocess, sys, time
from procs import children as ranks_of

psml, mpiexec, work = sys.argv[1:4]
rows = int(sys.argv[4]) if len(sys.argv) > 4 else 12000
epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 60
FEATURES, RANKS, SERVERS, BATCH = 100_000_000, 16, 4, 48
os.makedirs(work, exist_ok=True)
data = os.path.join(work, f"sparse_{rows}.h5")
if not os.path.exists(data):
    subprocess.run([psml, "data", "synth", "--rows", str(rows), "--features", str(FEATURES),
                    "--nnz", "20", "--seed", "6", "--out", data], check=True, stdout=subprocess.DEVNULL)
cmd = [mpiexec, "--oversubscribe", "-n", str(RANKS), psml, "train", "--data", data, "--mode", "ps",
       "--servers", str(SERVERS), "--consistency", "ssp:4", "--model", "logreg", "--optimizer",
       "adagrad", "--lr", "0.1", "--batch", str(BATCH), "--epochs", str(epochs)]
print("$", " ".join(cmd), flush=True)


def rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None


start = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
samples = []  # (seconds, {pid: MiB})
while p.poll() is None:
    time.sleep(0.5)
    now = {k: rss_mib(k) for k in ranks_of(p.pid)}
    samples.append((time.monotonic() - start, {k: v for k, v in now.items() if v}))
out = p.stdout.read()
elapsed = time.monotonic() - start
print(out, flush=True)
if p.returncode != 0:
    sys.exit(f"FAIL: exit code {p.returncode}")
steps = int(re.search(r"(\d+) steps/epoch", out).group(1))
peak = re.search(r"peak resident memory: ([0-9.]+) MiB on the busiest worker, ([0-9.]+) MiB on the busiest server", out)
train_s = sum(float(t) for t in re.findall(r"time ([0-9.]+)s", out))
messages = steps * epochs * (RANKS - SERVERS) * SERVERS * 3  # pull, reply, push per worker, step and server (payload frames not counted)
print(f"{elapsed:.1f} s in all, {train_s:.1f} s training; {steps * epochs} steps; "
      f"~{messages / train_s:,.0f} push/pull/reply messages per second; peak resident memory "
      f"{peak.group(1)} MiB (busiest worker), {peak.group(2)} MiB (busiest server)")
# Flat memory: once training runs (the second quarter of the samples on), no rank's resident
# memory may grow by more than 5% + 8 MiB. Only samples of all the ranks count: the last ones, taken
# while the ranks exit, hold fewer or none.
body = [s for t, s in samples if t > 0.25 * samples[-1][0] and len(s) == RANKS] if samples else []
if len(body) < 4:
    sys.exit(f"FAIL: {len(body)} samples of all {RANKS} ranks' memory while training ran (of "
             f"{len(samples)}), 4 needed to tell whether it stays flat: a longer run is needed")
first, last = body[0], body[-2]
if sorted(first) != sorted(last):
    sys.exit("FAIL: the ranks sampled early and late in training differ: nothing to compare")
grown = [f"rank pid {pid}: {first[pid]:.1f} -> {last[pid]:.1f} MiB" for pid in first
         if last[pid] > 1.05 * first[pid] + 8]
print(f"resident memory of the {RANKS} ranks sampled {len(body)} times while training ran: from "
      f"{sum(first.values()):.0f} to {sum(last.values()):.0f} MiB in all")
if grown:
    sys.exit("FAIL: memory grew: " + "; ".join(grown))
print("PASS")
