"""Naive Bayes and Bayesian linear regression (psml fit) against scikit-learn, with real mpirun:

  probabilistic.py PSML MPIEXEC DATA WORKDIR SCENARIO

  small    Gaussian and multinomial naive Bayes on train.h5 (20 features, 4 classes; the
           multinomial on |x| written by h5py) on 1, 2 and 3 ranks: parameters within 1e-5
           relative of GaussianNB / MultinomialNB (float64 input), ranks agree; psml predict's
           classes and probabilities are scikit-learn's; psml eval's accuracy is theirs.
           BayesianRidge on regression_train.h5 (1 and 3 ranks): coef, intercept, alpha, lambda,
           sigma within 1e-4; predictive means scikit-learn's, std the centred form; coverage.
           Errors: negative features for multinomial, a regression set for naive Bayes, a
           classification set for bayes-linreg, a damaged model file: one line each.
  fmnist   Fashion-MNIST (pixels / 255), 2 ranks: Gaussian and multinomial naive Bayes test
           accuracy within 1e-3 of scikit-learn's, parameters within 1e-5; fit times side by side.
"""
import os
import re
import shutil
import sys
import time

import h5py
import numpy as np
from harness import check, features_and_labels as xy, mpi_runner
from sklearn.linear_model import BayesianRidge
from sklearn.naive_bayes import GaussianNB, MultinomialNB

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


run = mpi_runner(mpiexec, psml, timeout=600)


def read(path):
    with h5py.File(path) as f:
        out = {k: f[k][:] for k in f}
        out.update({k: f.attrs[k] for k in f.attrs if k not in out})  # datasets first
        return out



def rel(a, b):
    """Largest elementwise relative difference."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def naive_bayes(ranks, kind, train, out, *extra):
    started = time.perf_counter()
    text = run(ranks, "fit", "naive-bayes", "--kind", kind, "--data", train, "--out", out, *extra)
    return read(out), time.perf_counter() - started, text


def compare_nb(model, sk, kind, what, tol=1e-5):
    check((model["class_count"] == sk.class_count_).all(), f"{what}: class counts")
    prior = np.log(sk.class_prior_) if kind == "gaussian" else sk.class_log_prior_
    check(rel(model["class_log_prior"], prior) < 1e-12, f"{what}: class priors")
    if kind == "gaussian":
        check(rel(model["theta"], sk.theta_) < tol,
              f"{what}: means within {tol} ({rel(model['theta'], sk.theta_):.1e})")
        check(rel(model["var"], sk.var_) < tol,
              f"{what}: variances within {tol} ({rel(model['var'], sk.var_):.1e})")
        check(abs(model["epsilon"] / sk.epsilon_ - 1) < 1e-9, f"{what}: epsilon {model['epsilon']:.3e}")
    else:
        check(rel(model["feature_count"], sk.feature_count_) < tol, f"{what}: feature counts")
        check(rel(model["feature_log_prob"], sk.feature_log_prob_) < tol,
              f"{what}: log p within {tol} ({rel(model['feature_log_prob'], sk.feature_log_prob_):.1e})")


def accuracy_of(text):
    return float(re.search(r"^accuracy ([0-9.]+)$", text, re.M)[1])


if scenario == "small":
    x, y = xy(f"{data}/train.h5")
    tx, ty = xy(f"{data}/test.h5")
    counts = f"{work}/counts.h5"  # non-negative features, as h5py users write them
    counts_test = f"{work}/counts_test.h5"
    for path, features, labels in ((counts, x, y), (counts_test, tx, ty)):
        with h5py.File(path, "w") as f:
            f["features"] = np.abs(features).astype(np.float32)
            f["labels"] = labels
    for kind, train, test, sk in (("gaussian", f"{data}/train.h5", f"{data}/test.h5", GaussianNB()),
                                  ("multinomial", counts, counts_test, MultinomialNB())):
        features, labels = xy(train)
        sk.fit(features, labels)
        models = {}
        for ranks in (1, 2, 3):
            models[ranks], _, _ = naive_bayes(ranks, kind, train, f"{work}/{kind}{ranks}.h5")
            compare_nb(models[ranks], sk, kind, f"{kind} NB, {ranks} ranks")
        key = "theta" if kind == "gaussian" else "feature_log_prob"
        check(rel(models[3][key], models[1][key]) < 1e-12, f"{kind}: 3 ranks agree with 1")
        run(2, "predict", "--model-file", f"{work}/{kind}2.h5", "--data", test,
            "--out", f"{work}/{kind}_pred.h5")
        p = read(f"{work}/{kind}_pred.h5")
        t_features, t_labels = xy(test)
        expect = sk.predict_proba(t_features)
        check(np.abs(p["probabilities"] - expect).max() < 1e-5,
              f"{kind}: probabilities are scikit-learn's (max diff "
              f"{np.abs(p['probabilities'] - expect).max():.1e})")
        check((p["predictions"] == sk.predict(t_features)).mean() >= 0.999,
              f"{kind}: predictions are scikit-learn's")
        e = run(3, "eval", "--model-file", f"{work}/{kind}2.h5", "--data", test)
        check(abs(accuracy_of(e) - sk.score(t_features, t_labels)) < 1e-6,  # printed to 6 places
              f"{kind}: psml eval accuracy {accuracy_of(e):.6f} = scikit-learn's")
    # Errors: one line each, nothing written.
    e = run(2, "fit", "naive-bayes", "--kind", "multinomial", "--data", f"{data}/train.h5",
            "--out", f"{work}/bad.h5", expect_ok=False)
    check("train.h5: row" in e and "non-negative features" in e, "negative features refused")
    e = run(2, "fit", "naive-bayes", "--data", f"{data}/regression_train.h5", "--out",
            f"{work}/bad.h5", expect_ok=False)
    check("regression_train.h5: naive Bayes needs a classification set" in e, "regression refused")
    check(not os.path.exists(f"{work}/bad.h5"), "no model written on error")

    # Bayesian linear regression.
    x, y = xy(f"{data}/regression_train.h5")
    tx, ty = xy(f"{data}/regression_test.h5")
    sk = BayesianRidge().fit(x, y)
    for ranks in (1, 3):
        text = run(ranks, "fit", "bayes-linreg", "--data", f"{data}/regression_train.h5",
                   "--out", f"{work}/blr{ranks}.h5")
        m = read(f"{work}/blr{ranks}.h5")
        what = f"bayes-linreg, {ranks} ranks"
        for name, mine, theirs in (("coef", m["coef"], sk.coef_), ("intercept", m["intercept"], sk.intercept_),
                                   ("alpha", m["alpha"], sk.alpha_), ("lambda", m["lambda"], sk.lambda_),
                                   ("sigma", m["sigma"], sk.sigma_)):
            check(rel(mine, theirs) < 1e-4, f"{what}: {name} within 1e-4 ({rel(mine, theirs):.1e})")
        iters = int(re.search(r"converged after (\d+) iterations", text)[1])
        check(iters == sk.n_iter_, f"{what}: {iters} iterations, as scikit-learn ({sk.n_iter_})")
    run(2, "predict", "--model-file", f"{work}/blr1.h5", "--data", f"{data}/regression_test.h5",
        "--out", f"{work}/blr_pred.h5")
    p = read(f"{work}/blr_pred.h5")
    mean = sk.predict(tx)
    check(rel(p["predictions"], mean) < 1e-4, "predictive means are scikit-learn's")
    centred = tx - sk.X_offset_
    std = np.sqrt(((centred @ sk.sigma_) * centred).sum(axis=1) + 1 / sk.alpha_)
    check(rel(p["std"], std) < 1e-4, "predictive std: (x - mean) sigma (x - mean) + 1/alpha")
    e = run(2, "eval", "--model-file", f"{work}/blr1.h5", "--data", f"{data}/regression_test.h5")
    coverage = float(re.search(r"95% predictive interval coverage ([0-9.]+)", e)[1])
    rmse = float(re.search(r"^rmse ([0-9.]+)$", e, re.M)[1])
    check(abs(rmse - np.sqrt(((mean - ty) ** 2).mean())) < 1e-5, f"eval rmse {rmse:.6f}")
    check(0.9 <= coverage <= 0.99, f"95% predictive intervals cover {coverage:.3f} of test rows")
    e = run(2, "fit", "bayes-linreg", "--data", f"{data}/train.h5", expect_ok=False)
    check("train.h5: Bayesian linear regression needs a regression set" in e,
          "classification set refused")
    shutil.copy(f"{work}/blr1.h5", f"{work}/blr_bad.h5")
    with h5py.File(f"{work}/blr_bad.h5", "r+") as f:
        f.attrs["alpha"] = -1.0
    e = run(2, "predict", "--model-file", f"{work}/blr_bad.h5", "--data",
            f"{data}/regression_test.h5", "--out", f"{work}/x.h5", expect_ok=False)
    check("blr_bad.h5: precisions alpha and lambda must be positive" in e, "damaged model refused")
elif scenario == "fmnist":
    x, y = xy(f"{data}/fmnist-train.h5")
    tx, ty = xy(f"{data}/fmnist-t10k.h5")
    for kind, sk in (("gaussian", GaussianNB()), ("multinomial", MultinomialNB())):
        started = time.perf_counter()
        sk.fit(x, y)
        sk_seconds = time.perf_counter() - started
        sk_accuracy = sk.score(tx, ty)
        model, seconds, _ = naive_bayes(2, kind, f"{data}/fmnist-train.h5", f"{work}/{kind}.h5")
        compare_nb(model, sk, kind, f"Fashion-MNIST {kind} NB")
        e = run(2, "eval", "--model-file", f"{work}/{kind}.h5", "--data", f"{data}/fmnist-t10k.h5")
        check(abs(accuracy_of(e) - sk_accuracy) <= 1e-3,
              f"Fashion-MNIST {kind} NB: test accuracy {accuracy_of(e):.4f}, scikit-learn "
              f"{sk_accuracy:.4f}; fit {seconds:.2f} s (mpirun -n 2, file read included) vs "
              f"{sk_seconds:.2f} s (scikit-learn, data in memory)")
else:
    sys.exit(f"unknown scenario {scenario}")
