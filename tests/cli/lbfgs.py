"""--solver lbfgs against scikit-learn and scipy on the same objective, with real mpirun:

  lbfgs.py PSML MPIEXEC DATA WORKDIR SCENARIO

psml minimises (1/n) sum loss + (l2/2) |W|^2 [+ l1 |W|_1], biases not regularised: scikit-learn's
C is 1 / (n l2) (and 1 / (n l1) for its L1 penalty); Ridge's alpha is n l2.
  small   binary logistic regression (binary_train.h5, 1000 x 10) on 1 and 3 ranks: coefficients
          and intercept within 1e-4 relative of LogisticRegression(C); softmax on a 4-class set
          (2001 x 20): LogisticRegression (multinomial) within 1e-4; ridge regression: Ridge(alpha)
          within 1e-4 and --solver exact's; the svm with the squared hinge: scipy's L-BFGS-B on
          the same objective within 1e-4; OWL-QN (--l1) on logistic regression: saga's solution
          within 1e-4 and the same zero weights; every rank count prints the same history; the
          history, the stop reason; bad combinations give one line.
  fmnist  softmax on Fashion-MNIST (2 ranks, l2 1e-4, i.e. C = 1/6, run to convergence: its
          unique optimum, not a point on the way whose accuracy moves by 0.2 points from one
          iteration to the next): test accuracy >= scikit-learn's 0.8438 (bench/vs_sklearn.py
          times the two side by side).
  defaults  `psml train` with default options (--solver auto) on scikit-learn's digits (an h5py
          file) and wine (a numpy CSV, imported): test accuracy within 1 point of scikit-learn's
          LogisticRegression() with its defaults on the same split.
"""
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
from harness import check, features_and_labels as xy, mpi_runner
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression, Ridge

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


run = mpi_runner(mpiexec, psml, timeout=900)



def params(path, outputs, features):
    """W (outputs x features) and b from a saved model."""
    with h5py.File(path) as f:
        p = f["params"][:].astype(np.float64)
    return p[: outputs * features].reshape(outputs, features), p[outputs * features:]


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def history(text):
    return [l for l in text.splitlines() if l.startswith("lbfgs ")]


TIGHT = ["--solver", "lbfgs", "--gtol", "1e-9", "--ftol", "0", "--max-iter", "1000"]

if scenario == "small":
    # Binary logistic regression.
    train = f"{data}/binary_train.h5"
    x, y = xy(train)
    n, l2 = len(y), 1e-3
    sk = LogisticRegression(C=1 / (n * l2), tol=1e-12, max_iter=10000).fit(x, y)
    texts = {}
    for ranks in (1, 3):
        texts[ranks] = run(ranks, "train", "--data", train, "--model", "logreg", "--l2", str(l2),
                           *TIGHT, "--save-model", f"{work}/logreg{ranks}.h5")
        w, b = params(f"{work}/logreg{ranks}.h5", 1, x.shape[1])
        check(rel(w, sk.coef_) < 1e-4 and rel(b, sk.intercept_) < 1e-4,
              f"logreg, {ranks} ranks: coefficients within 1e-4 of LogisticRegression(C=1/(n l2)) "
              f"({rel(w, sk.coef_):.1e}, intercept {rel(b, sk.intercept_):.1e})")
    h1, h3 = history(texts[1]), history(texts[3])
    check(len(h1) > 3 and re.search(r"converged after \d+ iterations \(gradient norm <= gtol\)",
                                     texts[1]) is not None, f"the history ({len(h1)} lines) and why it stopped")
    check([l.split()[1:4] for l in h1[:-1]] == [l.split()[1:4] for l in h3[:-1]],
          "1 and 3 ranks take the same iterations (objective, gradient printed alike)")

    # Softmax (multinomial) on four classes.
    train = f"{data}/train.h5"
    x, y = xy(train)
    n, l2 = len(y), 1e-2
    sk = LogisticRegression(C=1 / (n * l2), tol=1e-12, max_iter=10000).fit(x, y)
    run(2, "train", "--data", train, "--model", "softmax", "--l2", str(l2), *TIGHT,
        "--save-model", f"{work}/softmax.h5")
    w, b = params(f"{work}/softmax.h5", 4, x.shape[1])
    mine, theirs = np.hstack([w, b[:, None]]), np.hstack([sk.coef_, sk.intercept_[:, None]])
    check(rel(mine, theirs) < 1e-4,
          f"softmax: weights and intercepts within 1e-4 of multinomial LogisticRegression "
          f"({rel(mine, theirs):.1e})")

    def softmax_gradient(w, b):
        s = x @ w.T + b
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), y] -= 1
        return max(np.abs(p.T @ x / n + l2 * w).max(), np.abs(p.sum(axis=0) / n).max())

    # scikit-learn's L-BFGS-B stops on scipy's ftol (relative decrease 2.2e-9) before its tol: the
    # gap left is scikit-learn's, not psml's.
    check(softmax_gradient(w, b) < softmax_gradient(sk.coef_, sk.intercept_),
          f"softmax: psml's gradient at its solution ({softmax_gradient(w, b):.1e}) is smaller than "
          f"at scikit-learn's ({softmax_gradient(sk.coef_, sk.intercept_):.1e})")

    # Ridge regression: scikit-learn's Ridge and psml's closed form.
    train = f"{data}/regression_train.h5"
    x, y = xy(train)
    n, l2 = len(y), 0.05
    sk = Ridge(alpha=n * l2, tol=1e-12).fit(x, y)
    run(2, "train", "--data", train, "--model", "linreg", "--l2", str(l2), *TIGHT,
        "--save-model", f"{work}/ridge.h5")
    run(2, "train", "--data", train, "--model", "linreg", "--l2", str(l2), "--solver", "exact",
        "--save-model", f"{work}/ridge_exact.h5")
    w, b = params(f"{work}/ridge.h5", 1, x.shape[1])
    we, be = params(f"{work}/ridge_exact.h5", 1, x.shape[1])
    check(rel(w, sk.coef_[None, :]) < 1e-4 and abs(b[0] - sk.intercept_) < 1e-4 * max(1, abs(sk.intercept_)),
          f"ridge: within 1e-4 of Ridge(alpha = n l2) ({rel(w, sk.coef_[None, :]):.1e})")
    check(rel(w, we) < 1e-4, f"ridge: within 1e-4 of --solver exact ({rel(w, we):.1e})")

    # Linear SVM, squared hinge, one-vs-rest: scipy's L-BFGS-B on the same objective.
    x, y = xy(f"{data}/train.h5")
    n, k, l2 = len(y), 4, 1e-2
    t = np.where(np.arange(k)[None, :] == y[:, None], 1.0, -1.0)

    def objective(theta):
        w, b = theta[: k * x.shape[1]].reshape(k, -1), theta[k * x.shape[1]:]
        s = x @ w.T + b
        m = np.maximum(0, 1 - t * s)
        d = -2 * t * m / n
        g = np.concatenate([(d.T @ x + l2 * w).ravel(), d.sum(axis=0)])
        return (m ** 2).sum() / n + 0.5 * l2 * (w ** 2).sum(), g

    ref = minimize(objective, np.zeros(k * (x.shape[1] + 1)), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000}).x
    text = run(2, "train", "--data", f"{data}/train.h5", "--model", "svm", "--l2", str(l2), *TIGHT,
               "--save-model", f"{work}/svm.h5")
    w, b = params(f"{work}/svm.h5", k, x.shape[1])
    mine = np.concatenate([w.ravel(), b])
    check(rel(mine, ref) < 1e-4, f"svm (squared hinge): within 1e-4 of scipy's minimiser ({rel(mine, ref):.1e})")
    check("svm output=squared-hinge" in text, "the svm trains with the squared hinge")

    # OWL-QN: L1-regularised logistic regression against saga.
    train = f"{data}/binary_train.h5"
    x, y = xy(train)
    n, l1 = len(y), 0.02
    sk = LogisticRegression(penalty="l1", solver="saga", C=1 / (n * l1), tol=1e-12,
                            max_iter=100000).fit(x, y)
    run(2, "train", "--data", train, "--model", "logreg", "--l1", str(l1), *TIGHT,
        "--save-model", f"{work}/l1.h5")
    w, b = params(f"{work}/l1.h5", 1, x.shape[1])
    zeros_sk = np.abs(sk.coef_) < 1e-6
    check(zeros_sk.sum() >= 2 and ((w == 0) == zeros_sk).all(),
          f"OWL-QN: the same {int(zeros_sk.sum())} weights are exactly zero as saga's")
    check(rel(w, sk.coef_) < 1e-4 and rel(b, sk.intercept_) < 1e-4,
          f"OWL-QN: within 1e-4 of saga's L1 solution ({rel(w, sk.coef_):.1e})")

    # One-line errors.
    e = run(2, "train", "--data", f"{data}/train.h5", "--model", "mlp", "--solver", "lbfgs",
            expect_ok=False)
    check("--solver lbfgs minimises the convex linear models" in e, "mlp refused")
    e = run(2, "train", "--data", f"{data}/train.h5", "--model", "svm", "--output", "hinge",
            "--solver", "lbfgs", expect_ok=False)
    check("squared hinge" in e, "the hinge refused")
    e = run(2, "train", "--data", f"{data}/train.h5", "--solver", "sgd", "--max-iter", "5",
            expect_ok=False)
    check("--max-iter" in e and "applies to --solver lbfgs only" in e, "--max-iter without lbfgs")
    e = run(3, "train", "--data", f"{data}/train.h5", "--mode", "ps", "--solver", "lbfgs",
            expect_ok=False)
    check("--solver lbfgs runs in --mode allreduce only" in e, "ps refused")
elif scenario == "fmnist":
    text = run(2, "train", "--data", f"{data}/fmnist-train.h5", "--test", f"{data}/fmnist-t10k.h5",
               "--model", "softmax", "--solver", "lbfgs", "--l2", "1e-4", "--max-iter", "2000")
    check(re.search(r"lbfgs: converged after \d+ iterations", text) is not None, "it converges")
    accuracy = float(re.search(r"final test accuracy ([0-9.]+)", text)[1])
    seconds = float(re.search(r"epoch +1/1 .* time ([0-9.]+)s", text)[1])
    check(accuracy >= 0.8438, f"Fashion-MNIST softmax, L-BFGS, 2 ranks: test accuracy {accuracy:.4f} "
          f">= scikit-learn's 0.8438, in {seconds:.1f} s")
elif scenario == "defaults":
    # Default options reach scikit-learn's defaults on small outside sets: digits as an h5py file,
    # wine as a numpy CSV imported by psml; LogisticRegression() on the same split.
    import warnings
    from sklearn.datasets import load_digits, load_wine
    from sklearn.model_selection import train_test_split
    warnings.simplefilter("ignore")  # scikit-learn's own ConvergenceWarning on the raw features
    for name, loader, form in (("digits", load_digits, "h5py"), ("wine", load_wine, "csv")):
        x, y = loader(return_X_y=True)
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
        want = LogisticRegression().fit(xtr, ytr).score(xte, yte)
        files = {}
        for part, a, b in (("train", xtr, ytr), ("test", xte, yte)):
            files[part] = f"{work}/{name}-{part}.h5"
            if form == "h5py":
                with h5py.File(files[part], "w") as f:
                    f["features"], f["labels"] = a, b
            else:
                np.savetxt(f"{work}/{name}-{part}.csv", np.column_stack([a, b]), delimiter=",")
                run(1, "data", "import", "--format", "csv", "--input", f"{work}/{name}-{part}.csv",
                    "--label-column", "last", "--out", files[part])
        text = run(2, "train", "--data", files["train"], "--test", files["test"])
        check("solver: full-batch L-BFGS to convergence (--solver auto for softmax" in text,
              f"{name}: the run header says what the default solver is and why")
        got = float(re.search(r"final test accuracy ([0-9.]+)", text)[1])
        check(abs(got - want) <= 0.01, f"{name} ({form}): default psml train {got:.4f}, "
              f"scikit-learn's LogisticRegression() {want:.4f}: within 1 point")
    # An option only steps read keeps minibatch steps, and says why.
    text = run(2, "train", "--data", files["train"], "--lr", "0.1", "--epochs", "1")
    check("solver: minibatch steps, as --lr was given" in text or
          "solver: minibatch steps, as --epochs was given" in text,
          "an option of the steps chooses steps, and the header says so")
else:
    sys.exit(f"unknown scenario {scenario}")
