"""Sparse parameter-server training: a worker's memory follows its minibatch's keys, not P.

  sparse_memory.py PSML MPIEXEC WORKDIR

Trains sparse logreg (2 servers + 2 workers) on two synthetic sets with the same rows and 100
values per row, one with 1,000,000 features and one with 50,000,000. The busiest worker's peak
resident memory must stay within 16 MiB between the two (a dense parameter vector alone would add
190 MiB), while the busiest server's grows with its key range.
"""
import os, re, subprocess, sys

psml, mpiexec, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
peaks = {}
for features in (1_000_000, 50_000_000):
    train = os.path.join(work, f"train_{features}.h5")
    subprocess.run([psml, "data", "synth", "--rows", "20000", "--features", str(features), "--nnz",
                    "100", "--seed", "4", "--out", train], check=True, stdout=subprocess.DEVNULL)
    cmd = [mpiexec, "--oversubscribe", "-n", "4", psml, "train", "--data", train, "--mode", "ps",
           "--servers", "2", "--model", "logreg", "--optimizer", "adagrad", "--lr", "0.1",
           "--epochs", "1"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=240).stdout
    m = re.search(r"peak resident memory: ([0-9.]+) MiB on the busiest worker, ([0-9.]+) MiB on the busiest server", out)
    if not m:
        sys.exit("FAIL: no peak memory line in:\n" + out)
    peaks[features] = (float(m.group(1)), float(m.group(2)))
    print(f"{features:>11,} features: worker {peaks[features][0]:.1f} MiB, server {peaks[features][1]:.1f} MiB")
(w1, s1), (w2, s2) = peaks[1_000_000], peaks[50_000_000]
if abs(w2 - w1) > 16:
    sys.exit(f"FAIL: worker memory moved by {w2 - w1:.1f} MiB when P grew 50x")
if s2 - s1 < 50:
    sys.exit(f"FAIL: server memory grew only {s2 - s1:.1f} MiB for 24.5M more keys each")
print("PASS")
