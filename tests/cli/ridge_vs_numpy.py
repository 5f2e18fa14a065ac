"""Closed-form linear regression against numpy, and SGD against the closed form.

  ridge_vs_numpy.py PSML MPIEXEC WORKDIR

1. `psml train --model linreg --solver exact` on 1, 2 and 4 ranks matches numpy.linalg.lstsq's
   coefficients to 1e-5 relative (the test's floor), and with --l2 it matches the ridge solution.
2. `psml train --model linreg` (SGD) on the same data approaches the exact solution.
"""
import os, subprocess, sys
import h5py
import numpy as np

psml, mpiexec, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
data = os.path.join(work, "ridge.h5")
subprocess.run([psml, "data", "synth", "--task", "regression", "--rows", "5003", "--features", "12",
                "--noise", "0.5", "--seed", "3", "--out", data], check=True, stdout=subprocess.DEVNULL)
with h5py.File(data) as f:
    x = f["features"][:].astype(np.float64)
    y = f["labels"][:].astype(np.float64)
a = np.hstack([x, np.ones((len(x), 1))])
exact = np.linalg.lstsq(a, y, rcond=None)[0]
lam = 0.05
penalty = len(x) * lam * np.diag([1.0] * 12 + [0.0])  # the bias is not penalised
ridge = np.linalg.solve(a.T @ a + penalty, a.T @ y)


def train(ranks, *args):
    out = os.path.join(work, f"params_{ranks}.h5")
    cmd = [mpiexec, "--oversubscribe", "-n", str(ranks), psml, "train", "--data", data,
           "--model", "linreg", "--save-params", out, *args]
    subprocess.run(cmd, check=True, timeout=120, stdout=subprocess.DEVNULL)
    with h5py.File(out) as f:
        return f["params"][:].astype(np.float64)


failed = False
def check(name, got, want, tol):
    global failed
    err = np.max(np.abs(got - want)) / np.max(np.abs(want))
    print(f"{name}: max relative difference {err:.2e} (tolerance {tol:g})")
    failed |= not err <= tol

for ranks in (1, 2, 4):
    check(f"exact, {ranks} ranks vs numpy lstsq", train(ranks, "--solver", "exact"), exact, 1e-5)
check("exact with --l2 0.05, 3 ranks vs numpy ridge", train(3, "--solver", "exact", "--l2", str(lam)),
      ridge, 1e-5)
check("SGD (momentum, 20 epochs), 2 ranks vs exact",
      train(2, "--optimizer", "momentum", "--lr", "0.01", "--epochs", "20", "--lr-schedule", "cosine"),
      exact, 1e-2)
sys.exit(1 if failed else 0)
