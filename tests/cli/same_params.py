"""Runs psml training commands that save their parameters and checks the parameters agree.

  same_params.py --tolerance T --work DIR -- 'RUN A' 'RUN B' ...

Each RUN is a shell-quoted command line (mpiexec ... psml train ...) to which
`--save-params DIR/params_K.h5` is appended. The largest difference between any run's parameters
and the first run's, relative to the largest parameter, must be <= T (0: bit for bit).
"""
import argparse, os, shlex, subprocess, sys
import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--tolerance", type=float, required=True)
ap.add_argument("--work", required=True)
ap.add_argument("runs", nargs="+")
a = ap.parse_args()
runs = [x for x in a.runs if x != "--"]
if len(runs) < 2:
    sys.exit(f"FAIL: {len(runs)} run(s) given: two or more needed to compare their parameters")
os.makedirs(a.work, exist_ok=True)
params = []
for k, run in enumerate(runs):
    out = os.path.join(a.work, f"params_{k}.h5")
    cmd = shlex.split(run) + ["--save-params", out]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, timeout=300, capture_output=True, text=True)
    print(p.stdout[-2000:], p.stderr[-2000:], sep="", end="")
    if p.returncode != 0:
        sys.exit(f"FAIL: exit code {p.returncode}")
    with h5py.File(out) as f:
        params.append(f["params"][:].astype(np.float64))
scale = np.max(np.abs(params[0]))
for k, q in enumerate(params[1:], 1):
    diff = np.max(np.abs(q - params[0])) / scale
    print(f"run {k} vs run 0: max relative difference {diff:.3e} (tolerance {a.tolerance:g})")
    if not diff <= a.tolerance:
        sys.exit("FAIL")
print("PASS")
