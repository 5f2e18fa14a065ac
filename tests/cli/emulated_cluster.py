"""The emulated cluster (cluster/local/run.sh): hosts as network namespaces joined by shaped links.

  emulated_cluster.py PSML DATA_DIR SOURCE_DIR

Checks, where the machine allows network namespaces (root, `ip netns`, tc; else it skips, exit
77, saying what it could not start):
  - 2 and 4 hosts at 200 Mbit/s: a TCP stream between hosts measures within 10% of the rate;
  - 4 hosts train by allreduce (over MPI, not shared memory) and by a parameter server;
  - nothing is left behind: no namespace after a run, after a failed run, after a timeout, and
    after Ctrl-C (SIGINT) in the middle of a run.
"""
import os, re, signal, subprocess, sys, time
from harness import check

psml, data, source = sys.argv[1:4]
run_sh = os.path.join(source, "cluster/local/run.sh")
probe = os.path.join(source, "cluster/local/bandwidth_probe.py")
RATE = 200  # Mbit/s


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(77)


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith("psml-")]


def cluster(hosts, *program, timeout=300, extra=()):
    cmd = [run_sh, "--hosts", str(hosts), "--rate", f"{RATE}mbit", *extra, "--", *program]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    print(p.stdout + p.stderr, flush=True)
    return p


if os.geteuid() != 0:
    skip("not root: network namespaces and tc need root")
probe_ns = f"psml-probe-{os.getpid()}"
p = subprocess.run(["ip", "netns", "add", probe_ns], capture_output=True, text=True)
if p.returncode != 0:
    skip(f"cannot create a network namespace (ip netns add: {p.stderr.strip()})")
subprocess.run(["ip", "netns", "del", probe_ns])
before = namespaces()

for hosts in (2, 4):
    p = cluster(hosts, "/usr/bin/python3", probe, "--megabytes", "12")
    check(p.returncode == 0, f"{hosts} hosts: the probe ran")
    rates = [float(x) for x in re.findall(r"host \d+ -> host \d+: ([0-9.]+) Mbit/s", p.stdout)]
    check(len(rates) == hosts // 2, f"{hosts} hosts: every pair measured ({rates})")
    check(all(abs(r - RATE) <= 0.1 * RATE for r in rates),
          f"{hosts} hosts: measured {rates} Mbit/s, configured {RATE}: within 10%")
    check(namespaces() == before, f"{hosts} hosts: no namespace left")

SMALL = [psml, "train", "--data", f"{data}/train.h5", "--test", f"{data}/test.h5", "--model",
         "mlp", "--hidden", "16", "--optimizer", "adam", "--lr", "0.01", "--lr-schedule", "constant",
         "--epochs", "1"]
p = cluster(4, *SMALL)
check(p.returncode == 0 and "4 ranks (allreduce over MPI" in p.stdout,
      "4 hosts train by allreduce, over MPI (not shared memory)")
check(re.search(r"final test accuracy 0\.9", p.stdout) is not None, "and learn")
p = cluster(4, *SMALL, "--mode", "ps")
check(p.returncode == 0 and "ps: 1 server + 3 workers" in p.stdout
      and "shared memory" not in p.stdout, "4 hosts train by a parameter server, over MPI")
check(namespaces() == before, "no namespace left after training")

p = cluster(2, psml, "train", "--data", f"{data}/nope.h5")
check(p.returncode != 0 and "nope.h5: no such file" in p.stderr, "a failed run fails")
check(namespaces() == before, "no namespace left after a failed run")
p = cluster(2, "sleep", "60", extra=("--timeout", "3"))
check(p.returncode == 124, f"--timeout ends the run with 124 ({p.returncode})")
check(namespaces() == before, "no namespace left after a timeout")

cmd = [run_sh, "--hosts", "2", "--rate", f"{RATE}mbit", "--", "sleep", "60"]
job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       start_new_session=True)
deadline = time.time() + 60
while time.time() < deadline and len(namespaces()) < len(before) + 3:
    time.sleep(0.2)
check(len(namespaces()) == len(before) + 3, "the cluster is up: 2 hosts and the bridge")
time.sleep(1)
os.killpg(job.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
job.wait(timeout=60)
print(job.stdout.read())
check(job.returncode == 130, f"Ctrl-C ends the run with 130 ({job.returncode})")
check(namespaces() == before, "no namespace left after Ctrl-C")
