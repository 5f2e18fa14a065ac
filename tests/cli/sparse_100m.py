"""The sparse example of docs/measurements.md at full size: sparse logistic regression with 100,000,000 features
(power-law column popularity) on 2 servers + 2 workers.

  sparse_100m.py PSML MPIEXEC WORKDIR [ROWS]

- Under the ranges key layout most traffic goes to server 0 (the popular columns are the first
  ones); under blocks (the default for sparse data) every server's payload is within 1.5x of the
  others'. Both figures are printed.
- The run checkpoints (100M keys and their optimizer state), the checkpoint verifies, and the run
  resumes from it on another layout (1 server + 2 workers) and finishes. Checkpoint size and write
  time are printed.
"""
import os, re, shutil, subprocess, sys, time
from harness import check

psml, mpiexec, work = sys.argv[1:4]
rows = int(sys.argv[4]) if len(sys.argv) > 4 else 50000
os.makedirs(work, exist_ok=True)
data, test = f"{work}/sp_{rows}.h5", f"{work}/sp_{rows}_test.h5"
if not os.path.exists(data):
    subprocess.run([psml, "data", "synth", "--rows", str(rows), "--features", "100000000", "--nnz",
                    "100", "--seed", "3", "--test-rows", "5000", "--test-out", test, "--out", data],
                   check=True, stdout=subprocess.DEVNULL)
TRAIN = ["train", "--data", data, "--test", test, "--mode", "ps", "--model", "logreg",
         "--optimizer", "adagrad", "--lr", "0.1"]


def run(ranks, *args):
    cmd = [mpiexec, "--oversubscribe", "-n", str(ranks), psml, *TRAIN, *args]
    print("$", " ".join(cmd), flush=True)
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(p.stdout + p.stderr, f"({time.monotonic() - start:.1f} s)", flush=True)
    check(p.returncode == 0, "the run succeeds")
    return p.stdout


def payload(out):
    m = re.search(r"payload per server \(received \+ sent\):((?: [0-9.]+ MB)+) \(largest / smallest ([0-9.]+)\)", out)
    check(m is not None, "the run reports each server's payload")
    return m.group(1).strip(), float(m.group(2))


ranges, ranges_ratio = payload(run(4, "--servers", "2", "--epochs", "1", "--key-layout", "ranges"))
ck = f"{work}/ck"
# The work folder keeps its data from run to run; the checkpoints of the last run go (a fresh run
# into a folder holding another run's checkpoints is refused).
for folder in (ck, f"{work}/ck2"):
    shutil.rmtree(folder, ignore_errors=True)
out = run(4, "--servers", "2", "--epochs", "1", "--checkpoint-dir", ck)
blocks, blocks_ratio = payload(out)
print(f"payload per server, ranges: {ranges} (ratio {ranges_ratio}); blocks: {blocks} "
      f"(ratio {blocks_ratio})")
check(blocks_ratio <= 1.5, f"blocks: every server within 1.5x of the others ({blocks_ratio})")
check(ranges_ratio > blocks_ratio, "blocks balance better than ranges on power-law data")
m = re.search(r"checkpoint (\S+) \(([0-9.]+ MB) in ([0-9.]+ s)\)", out)
check(m is not None, "the run wrote a checkpoint")
print(f"checkpoint of 100,000,001 keys with adagrad state: {m.group(2)} written in {m.group(3)}")
verify = subprocess.run([psml, "checkpoint", "inspect", m.group(1)], capture_output=True, text=True)
check(verify.returncode == 0 and "checksums verified" in verify.stdout, "the checkpoint verifies")
out = run(3, "--servers", "1", "--epochs", "2", "--resume", ck, "--checkpoint-dir", f"{work}/ck2")
check("resuming from " in out and re.search(r"epoch +2/2", out) is not None,
      "resumed on 1 server + 2 workers, the run finishes")
print("PASS")
