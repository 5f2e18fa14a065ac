#!/usr/bin/env python3
"""psml simulate against the emulated cluster, small: bench/validate_simulation.py on 2 and 4
emulated hosts at 1 Gbit/s, allreduce and ps (the full grid is in docs/simulation.md). Every
predicted samples/s must be within 25% of the measured one. Skips (77) without root, network
namespaces, smpirun or the simulation build.
usage: simulation_validation.py PSML SOURCE_DIR WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, logged_run  # noqa: E402

psml, source, work = sys.argv[1:4]
sim = os.path.join(source, "build-sim", "bin", "psml")
if os.geteuid() != 0:
    print("skipped: the emulated cluster needs root (network namespaces, tc)")
    sys.exit(77)
if not os.access(sim, os.X_OK) or shutil.which("smpirun") is None:
    print(f"skipped: no simulation build at {sim} or no smpirun (scripts/build_sim.sh makes it)")
    sys.exit(77)
if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
    print("skipped: ip netns does not work here")
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
p = logged_run(["/usr/bin/python3", os.path.join(source, "bench", "validate_simulation.py"),
                "--hosts", "2,4", "--rates", "1gbit", "--modes", "allreduce,ps", "--steps", "6",
                "--epochs", "2", "--psml", psml, "--out", work],
               timeout=900, env={"PSML_SIM_BIN": sim})
check(os.path.exists(os.path.join(work, "validation.json")), "bench/validate_simulation.py ran")
points = json.load(open(os.path.join(work, "validation.json")))
check(len(points) == 4, "4 points measured and simulated")
for q in points:
    check(abs(q["error"]) <= 0.25, f"{q['mode']} on {q['hosts']} hosts: predicted "
          f"{q['predicted']:.0f} samples/s, measured {q['measured']:.0f} ({q['error']:+.1%})")
check(p.returncode == 0 and os.path.exists(os.path.join(work, "validation.png")),
      "the table and the plot are written")
