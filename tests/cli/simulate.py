#!/usr/bin/env python3
"""psml simulate: the simulation build (build-sim/, scripts/build_sim.sh) runs psml's training
loop under SimGrid SMPI on generated platforms. Checks, on a few simulated hosts:
  * allreduce and ps bsp runs complete and report samples/s and a time split whose parts sum to
    no more than the step, with the calibrated compute charged (compute share matches);
  * the simulated network matters: 10x less bandwidth predicts fewer samples/s, the same compute;
  * two runs of a ps point agree within 10% (the compute is charged; the code run for real is
    charged its measured time);
  * sparse data in ps mode pushes only the keys its rows touch;
  * 64 simulated workers finish (the size CI runs);
  * errors are one line: no simulation build, a bad rate.
Skips (77) when there is no simulation build or no smpirun.
usage: simulate.py PSML SOURCE_DIR WORK_DIR"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, logged_run  # noqa: E402

psml, source, work = sys.argv[1:4]
sim = os.path.join(source, "build-sim", "bin", "psml")
if not os.access(sim, os.X_OK) or shutil.which("smpirun") is None:
    print(f"skipped: no simulation build at {sim} or no smpirun (scripts/build_sim.sh makes it)")
    sys.exit(77)
os.makedirs(work, exist_ok=True)


def simulate(*args, train=()):
    cmd = [psml, "simulate", "--psml-sim", sim, "--json", *args]
    if train:
        cmd += ["--", *train]
    p = logged_run(cmd, timeout=900)
    check(p.returncode == 0, "psml simulate " + " ".join(args) + " succeeds")
    return json.loads(p.stdout.strip().splitlines()[-1])


SMALL = ["--model", "mlp", "--hidden", "64", "--optimizer", "adam"]
per_row = 20e-6
base = ["--batch-per-worker", "32", "--steps", "3", "--compute-seconds-per-row", str(per_row)]

fast = simulate("--workers", "4", "--bandwidth", "10gbit", "--out", f"{work}/ar-fast", *base,
                train=SMALL)
check(fast["samples_per_second"] > 0, f"allreduce: {fast['samples_per_second']:.0f} samples/s")
# The charged 32 rows, and the real code around them (zeroing the gradient), measured.
check(abs(fast["compute_per_step_s"] / (32 * per_row) - 1) < 0.05,
      f"the compute is 32 rows x {per_row} s, charged ({fast['compute_per_step_s']:.6f} s)")
parts = sum(fast[f"{p}_per_step_s"] for p in ("compute", "communication", "wait", "optimizer"))
# The parts are means over the workers, the step is worker 0's: workers start an epoch at slightly
# different simulated moments, so the mean may pass worker 0's step by a little (0.5% seen in CI);
# a part counted twice would pass it by a third or more.
check(parts <= fast["step_s"] * 1.05, f"the parts ({parts:.6f} s) fit in the step "
      f"({fast['step_s']:.6f} s, 5% allowed for the workers' different starts)")
slow = simulate("--workers", "4", "--bandwidth", "1gbit", "--out", f"{work}/ar-slow", *base,
                train=SMALL)
check(slow["communication_per_step_s"] > 3 * fast["communication_per_step_s"],
      f"10x less bandwidth: communication {fast['communication_per_step_s'] * 1e3:.3f} -> "
      f"{slow['communication_per_step_s'] * 1e3:.3f} ms per step")
check(slow["samples_per_second"] < fast["samples_per_second"], "and fewer samples/s")

ps = [simulate("--workers", "4", "--mode", "ps", "--servers", "2", "--bandwidth", "1gbit",
               "--out", f"{work}/ps-{i}", *base, train=SMALL) for i in range(2)]
check(ps[0]["servers"] == 2 and ps[0]["samples_per_second"] > 0,
      f"ps bsp 4+2: {ps[0]['samples_per_second']:.0f} samples/s")
# The code that runs for real (a server's sums, the optimizer) is charged its measured time: two
# runs differ by that time's noise (4% seen on a busy machine), not by a model's randomness.
check(abs(ps[1]["samples_per_second"] / ps[0]["samples_per_second"] - 1) < 0.1,
      "two ps runs agree within 10%")

sparse = simulate("--workers", "4", "--mode", "ps", "--servers", "2", "--features", "1000000",
                  "--nnz", "20", "--out", f"{work}/sparse", *base,
                  train=["--model", "logreg", "--optimizer", "adagrad"])
# At most 32 rows x 20 keys, each pushed (id and value, 12 bytes) and pulled (id, 8 bytes), with
# framing; all 1M keys' values would be 4 MB.
check(sparse["samples_per_second"] > 0 and sparse["bytes_sent_per_step"] < 32 * 20 * 24,
      f"sparse ps sends only the touched keys ({sparse['bytes_sent_per_step']:.0f} bytes/step)")

many = simulate("--workers", "64", "--bandwidth", "10gbit", "--out", f"{work}/many", *base,
                train=SMALL)
check(many["samples_per_second"] > fast["samples_per_second"],
      f"64 simulated workers: {many['samples_per_second']:.0f} samples/s, in {many['wall_s']:.1f} s "
      f"of wall time, {many['peak_memory_mib']:.0f} MiB")

p = logged_run([psml, "simulate", "--workers", "4", "--psml-sim", "/nonexistent/psml"])
check(p.returncode == 1 and "scripts/build_sim.sh" in p.stderr and
      len(p.stderr.strip().splitlines()) == 1, "no simulation build: one line naming the fix")
p = logged_run([psml, "simulate", "--workers", "4", "--psml-sim", sim, "--bandwidth", "fast"])
check(p.returncode == 1 and "--bandwidth fast" in p.stderr, "a bad rate is named")
