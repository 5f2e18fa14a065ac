"""The floors of psml's convex, probabilistic and statistical models, measured side by side with
scikit-learn (and statsmodels) in one run, on Fashion-MNIST (pixels / 255) and small sets:

  /usr/bin/python3 bench/vs_sklearn.py [--ranks 2] [--data data] [--psml build/bin/psml]

  * softmax regression by L-BFGS: psml on --ranks ranks (full batch, l2 1e-4 = C 1/6; 200
    iterations, and to convergence) against LogisticRegression(max_iter=200) with C = 1 (the
    peer figure 0.8438) and with the same C, scikit-learn on as many BLAS threads as psml has
    ranks; test accuracy and wall time (psml: its fit, the time its epoch line prints, and the
    whole mpirun; scikit-learn: fit(), the data already in memory);
  * logistic regression on 1,000 x 10 rows: psml's coefficients against LogisticRegression's;
  * Gaussian and multinomial naive Bayes: test accuracy, largest relative parameter difference;
  * Bayesian linear regression (BayesianRidge) on 20,000 x 50 synthetic rows: coef, alpha, lambda;
  * psml compare (softmax after 200 iterations vs converged, on the test set) against statsmodels'
    McNemar, psml eval's Wilson interval against statsmodels'.
Prints a Markdown table (docs/measurements.md#convex-and-probabilistic-models-against-scikit-learn).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--data", default="data")
ap.add_argument("--psml", default="build/bin/psml")
a = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(a.ranks)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import BayesianRidge, LogisticRegression  # noqa: E402
from sklearn.naive_bayes import GaussianNB, MultinomialNB  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

train, test = f"{a.data}/fmnist-train.h5", f"{a.data}/fmnist-t10k.h5"
work = tempfile.mkdtemp(prefix="psml-vs-sklearn-")
env = open_mpi_env()  # after OMP_NUM_THREADS above: the ranks' BLAS threads too
rows = []


def psml(*args, ranks=None):
    cmd = ["mpirun", "--oversubscribe", "-n", str(ranks or a.ranks), a.psml, *args]
    started = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout, time.perf_counter() - started


def xy(path):
    with h5py.File(path) as f:
        return f["features"][:], f["labels"][:]


def rel(mine, theirs):
    mine, theirs = np.asarray(mine, np.float64), np.asarray(theirs, np.float64)
    return float(np.linalg.norm(mine - theirs) / np.linalg.norm(theirs))


def fit_seconds(text):
    return float(re.search(r"epoch +1/1 .* time ([0-9.]+)s", text)[1])


x, y = xy(train)
tx, ty = xy(test)

# Softmax regression by L-BFGS.
for c in (1.0, 1 / 6):
    started = time.perf_counter()
    sk = LogisticRegression(C=c, max_iter=200).fit(x, y)
    seconds = time.perf_counter() - started
    rows.append((f"softmax, L-BFGS, C = {c:.4g}, 200 iterations", "scikit-learn",
                 f"test accuracy {sk.score(tx, ty):.4f}", f"{seconds:.1f} s (fit, {a.ranks} BLAS threads)"))
for iterations in ("200", "2000"):
    text, wall = psml("train", "--data", train, "--test", test, "--model", "softmax", "--solver",
                      "lbfgs", "--l2", "1e-4", "--max-iter", iterations,
                      "--save-model", f"{work}/softmax{iterations}.h5")
    accuracy = float(re.search(r"final test accuracy ([0-9.]+)", text)[1])
    stop = re.search(r"lbfgs: (\w+) after (\d+) iterations", text)
    rows.append((f"softmax, L-BFGS, C = 1/6 (l2 1e-4), {stop[1]} after {stop[2]} iterations",
                 f"psml, {a.ranks} ranks", f"test accuracy {accuracy:.4f}",
                 f"{fit_seconds(text):.1f} s (fit), {wall:.1f} s (mpirun)"))

# Logistic regression on a small set: coefficients.
subprocess.run([a.psml, "data", "synth", "--rows", "1000", "--features", "10", "--classes", "2",
                "--separation", "1.0", "--seed", "5", "--out", f"{work}/binary.h5"], check=True,
               stdout=subprocess.DEVNULL)
bx, by = xy(f"{work}/binary.h5")
l2 = 1e-3
sk = LogisticRegression(C=1 / (len(by) * l2), tol=1e-12, max_iter=10000).fit(bx.astype(np.float64), by)
psml("train", "--data", f"{work}/binary.h5", "--model", "logreg", "--solver", "lbfgs", "--l2", str(l2),
     "--gtol", "1e-9", "--ftol", "0", "--max-iter", "1000", "--save-model", f"{work}/logreg.h5")
with h5py.File(f"{work}/logreg.h5") as f:
    p = f["params"][:]
rows.append(("logistic regression, 1,000 x 10, l2 1e-3 (C = 1 / (n l2) = 1)", "psml vs scikit-learn",
             f"coefficients {rel(p[:-1], sk.coef_[0]):.1e} relative, intercept "
             f"{rel(p[-1:], sk.intercept_):.1e}", ""))

# Naive Bayes.
x64, tx64 = x.astype(np.float64), tx.astype(np.float64)
for kind, model, key, theirs in (("gaussian", GaussianNB(), "var", "var_"),
                                 ("multinomial", MultinomialNB(), "feature_log_prob", "feature_log_prob_")):
    started = time.perf_counter()
    model.fit(x64, y)
    seconds = time.perf_counter() - started
    text, wall = psml("fit", "naive-bayes", "--kind", kind, "--data", train, "--out", f"{work}/{kind}.h5")
    e, _ = psml("eval", "--model-file", f"{work}/{kind}.h5", "--data", test)
    accuracy = float(re.search(r"^accuracy ([0-9.]+)$", e, re.M)[1])
    with h5py.File(f"{work}/{kind}.h5") as f:
        difference = float(np.max(np.abs(f[key][:] - getattr(model, theirs)) / np.abs(getattr(model, theirs))))
    rows.append((f"{kind} naive Bayes", "scikit-learn", f"test accuracy {model.score(tx64, ty):.4f}",
                 f"{seconds:.2f} s (fit)"))
    rows.append((f"{kind} naive Bayes", f"psml, {a.ranks} ranks",
                 f"test accuracy {accuracy:.4f}; {key} within {difference:.1e}",
                 f"{float(re.search(r'fit ([0-9.]+) s', text)[1]):.2f} s (fit), {wall:.1f} s (mpirun)"))

# Bayesian linear regression.
subprocess.run([a.psml, "data", "synth", "--task", "regression", "--rows", "20000", "--features",
                "50", "--noise", "0.5", "--seed", "7", "--out", f"{work}/regression.h5"], check=True,
               stdout=subprocess.DEVNULL)
rx, ry = xy(f"{work}/regression.h5")
sk = BayesianRidge().fit(rx.astype(np.float64), ry)
psml("fit", "bayes-linreg", "--data", f"{work}/regression.h5", "--out", f"{work}/blr.h5")
with h5py.File(f"{work}/blr.h5") as f:
    rows.append(("Bayesian linear regression, 20,000 x 50", "psml vs BayesianRidge",
                 f"coef {rel(f['coef'][:], sk.coef_):.1e}, alpha {rel([f.attrs['alpha']], [sk.alpha_]):.1e}, "
                 f"lambda {rel([f.attrs['lambda']], [sk.lambda_]):.1e}, sigma {rel(f['sigma'][:], sk.sigma_):.1e} relative", ""))

# psml compare and eval against statsmodels.
text, _ = psml("compare", f"{work}/softmax200.h5", f"{work}/softmax2000.h5", "--data", test)
counts = [int(c) for c in re.search(r"both right (\d+), only A right (\d+), only B right (\d+), both wrong (\d+)", text).groups()]
p = float(re.search(r"McNemar exact p-value ([0-9.eE+-]+)", text)[1])
expect = mcnemar([[counts[0], counts[1]], [counts[2], counts[3]]], exact=True).pvalue
rows.append(("McNemar, softmax after 200 iterations vs converged, Fashion-MNIST test",
             "psml vs statsmodels",
             f"p {p:.6g} vs {expect:.6g}", ""))
e, _ = psml("eval", "--model-file", f"{work}/softmax2000.h5", "--data", test)
m = re.search(r"accuracy 95% interval \[([0-9.]+), ([0-9.]+)\]", e)
right = round(float(re.search(r"^accuracy ([0-9.]+)$", e, re.M)[1]) * len(ty))
low, high = proportion_confint(right, len(ty), method="wilson")
rows.append(("Wilson 95% interval of the converged softmax's accuracy", "psml vs statsmodels",
             f"[{m[1]}, {m[2]}] vs [{low:.6f}, {high:.6f}]", ""))

p = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
cpu = re.search(r"Model name:\s*(.*)", p)
print(f"machine: {cpu[1] if cpu else '?'}, {os.cpu_count()} cores; psml on {a.ranks} ranks, "
      f"scikit-learn on {a.ranks} BLAS threads\n")
print("| what | who | result | time |\n|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
