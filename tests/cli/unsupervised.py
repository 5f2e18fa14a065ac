"""k-means, PCA and Gaussian mixtures end to end, with real mpirun runs:

  unsupervised.py PSML MPIEXEC DATA WORKDIR SCENARIO

  small    on a 2001 x 20 file written by h5py, without labels: fit kmeans, pca, gmm (diag and
           full) on 1, 2 and 3 ranks; the models (read with h5py) agree to 1e-6 relative; PCA's
           variances are numpy's; transform writes a psml data file that trains; predict assigns
           rows; damaged or mismatched model files give one error naming the file
  fmnist   Fashion-MNIST (training set, pixels / 255) on 1, 2 and 4 ranks: PCA 50 explained
           variance ratio within 1e-5 of scikit-learn's 0.862692, k-means (k=10) inertia within
           1.01 x scikit-learn's 1,926,912, a 10-component diagonal GMM on the 50 PCA scores
           with mean log-likelihood >= scikit-learn's -39.153 - 0.05; ranks agree to 1e-6
"""
import os, re, shutil, sys
import h5py
import numpy as np
from harness import check, mpi_runner

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


run = mpi_runner(mpiexec, psml, timeout=300)


def relative(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300))


def read(path):
    with h5py.File(path) as f:
        out = {k: f[k][:] for k in f}
        out.update({k: f.attrs[k] for k in f.attrs})
        return out


def fits(ranks, source, gmm_source, prefix, kmeans_args=(), gmm_args=()):
    """Fits the three models on `ranks` ranks; returns their files' contents."""
    d = f"{work}/{prefix}{ranks}"
    os.makedirs(d, exist_ok=True)
    run(ranks, "fit", "kmeans", "--data", source, *kmeans_args, "--out", f"{d}/kmeans.h5")
    run(ranks, "fit", "pca", "--data", source, "--components", str(pca_components),
        "--out", f"{d}/pca.h5")
    scores = f"{d}/scores.h5" if gmm_source is None else gmm_source
    if gmm_source is None:
        run(ranks, "transform", "--model-file", f"{d}/pca.h5", "--data", source, "--out", scores)
    run(ranks, "fit", "gmm", "--data", scores, *gmm_args, "--out", f"{d}/gmm.h5")
    return {m: read(f"{d}/{m}.h5") for m in ("kmeans", "pca", "gmm")}, d


def agree(results, counts):
    base = results[counts[0]]
    for r in counts[1:]:
        o = results[r]
        for what, a, b in [("k-means inertia", o["kmeans"]["inertia"], base["kmeans"]["inertia"]),
                           ("centroids", o["kmeans"]["centroids"], base["kmeans"]["centroids"]),
                           ("explained variance", o["pca"]["explained_variance"],
                            base["pca"]["explained_variance"]),
                           ("GMM mean log-likelihood", o["gmm"]["mean_log_likelihood"],
                            base["gmm"]["mean_log_likelihood"]),
                           ("GMM means", o["gmm"]["means"], base["gmm"]["means"])]:
            check(relative(a, b) <= 1e-6,
                  f"{what}: {r} ranks vs {counts[0]}: relative difference {relative(a, b):.2e}")


if scenario == "small":
    pca_components = 5
    # The features of train.h5 only: unsupervised fits need no /labels.
    with h5py.File(f"{data}/train.h5") as f:
        x = f["features"][:]
    source = f"{work}/unlabelled.h5"
    with h5py.File(source, "w") as f:
        f["features"] = x
    results, dirs = {}, {}
    for ranks in (1, 2, 3):
        results[ranks], dirs[ranks] = fits(ranks, source, None, "small", ["--k", "4"],
                                           ["--components", "3", "--covariance", "full"])
    agree(results, [1, 2, 3])
    pca = results[2]["pca"]
    eig = np.linalg.eigvalsh(np.cov(x.astype(np.float64), rowvar=False))[::-1]
    check(relative(pca["explained_variance"], eig[:5]) < 1e-9, "PCA variances are numpy's")
    check(abs(pca["explained_variance_ratio"].sum() - eig[:5].sum() / eig.sum()) < 1e-12,
          "explained variance ratio is numpy's")
    check(pca["components"].shape == (5, 20) and pca["mean"].shape == (20,), "PCA file shapes")
    # Transform: a psml data file (features + the input's labels when it has them), trainable.
    d = dirs[2]
    run(2, "transform", "--model-file", f"{d}/pca.h5", "--data", f"{data}/train.h5",
        "--out", f"{d}/train_scores.h5")
    s = read(f"{d}/train_scores.h5")
    with h5py.File(f"{data}/train.h5") as f:
        labels = f["labels"][:]
    expect = (x - x.mean(axis=0)) @ pca["components"].T
    check(np.abs(s["features"] - expect).max() < 1e-4, "PCA scores are (x - mean) components^T")
    check((s["labels"] == labels).all(), "transform carries the labels")
    out = run(2, "train", "--data", f"{d}/train_scores.h5", "--model", "softmax", "--epochs", "2")
    check("epoch" in out, "the scores train a softmax model")
    # Predict: nearest centroid, as numpy finds it.
    run(3, "predict", "--model-file", f"{d}/kmeans.h5", "--data", source, "--out", f"{d}/clusters.h5")
    c = results[2]["kmeans"]["centroids"]
    nearest = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    p = read(f"{d}/clusters.h5")
    check((p["predictions"] == nearest).mean() > 0.999, "k-means predictions are the nearest centroids")
    run(2, "predict", "--model-file", f"{d}/gmm.h5", "--data", f"{d}/scores.h5", "--out", f"{d}/g.h5")
    g = read(f"{d}/g.h5")
    check(np.abs(g["scores"].sum(axis=1) - 1).max() < 1e-5, "GMM responsibilities sum to 1")
    check((g["predictions"] == g["scores"].argmax(axis=1)).all(), "GMM predictions: most responsible")
    run(2, "fit", "gmm", "--data", f"{d}/scores.h5", "--components", "3", "--covariance", "diag",
        "--out", f"{d}/gmm_diag.h5")
    check(read(f"{d}/gmm_diag.h5")["covariances"].shape == (3, 5), "diagonal GMM file shape")
    # Bad model files and mismatches: one error naming the file.
    shutil.copy(f"{d}/kmeans.h5", f"{d}/nan.h5")
    with h5py.File(f"{d}/nan.h5", "r+") as f:
        f["centroids"][0, 0] = np.nan
    e = run(2, "predict", "--model-file", f"{d}/nan.h5", "--data", source, "--out", f"{d}/x.h5",
            expect_ok=False)
    check("nan.h5:/centroids: holds a value that is not finite" in e, "NaN centroid refused")
    shutil.copy(f"{d}/pca.h5", f"{d}/short.h5")
    with h5py.File(f"{d}/short.h5", "r+") as f:
        del f["mean"]
        f["mean"] = np.zeros(19)
    e = run(2, "transform", "--model-file", f"{d}/short.h5", "--data", source, "--out", f"{d}/x.h5",
            expect_ok=False)
    check("short.h5:/mean: has shape 19, expected 20" in e, "wrong shape refused")
    e = run(2, "transform", "--model-file", f"{d}/pca.h5", "--data", f"{data}/other_width.h5",
            "--out", f"{d}/x.h5", expect_ok=False)
    check("other_width.h5: has 7 features, the model in" in e, "feature count mismatch refused")
    e = run(2, "transform", "--model-file", f"{d}/gmm.h5", "--data", f"{d}/scores.h5",
            "--out", f"{d}/x.h5", expect_ok=False)
    check("has no transform" in e, "GMM transform refused")
    check(not os.path.exists(f"{d}/x.h5"), "nothing written on error")
    check(not [f for f in os.listdir(d) if f.endswith(".tmp")], "no temporary file left behind")
    # A feature constant within a component has variance 0: with --reg-covar 0 a diagonal GMM
    # refuses it instead of fitting NaNs.
    constant = f"{work}/constant_column.h5"
    with h5py.File(constant, "w") as f:
        f["features"] = np.hstack([x[:, :4], np.zeros((len(x), 1), x.dtype)])
    e = run(2, "fit", "gmm", "--data", constant, "--components", "2", "--covariance", "diag",
            "--reg-covar", "0", "--out", f"{d}/degenerate.h5", expect_ok=False)
    check("variance that is zero or not finite (raise --reg-covar)" in e, "zero variance refused")
    check(not os.path.exists(f"{d}/degenerate.h5"), "no model written")
    run(2, "fit", "gmm", "--data", constant, "--components", "2", "--covariance", "diag",
        "--out", f"{d}/regularised.h5")
    check(np.isfinite(read(f"{d}/regularised.h5")["means"]).all(), "the default --reg-covar fits it")
elif scenario == "fmnist":
    pca_components = 50
    results = {}
    for ranks in (1, 2, 4):
        results[ranks], _ = fits(ranks, f"{data}/fmnist-train.h5", None, "fmnist", ["--k", "10"],
                                 ["--components", "10", "--covariance", "diag"])
        r = results[ranks]
        evr = r["pca"]["explained_variance_ratio"].sum()
        check(abs(evr - 0.862692) <= 1e-5, f"{ranks} ranks: PCA 50 EVR sum {evr:.6f} (0.862692)")
        inertia = r["kmeans"]["inertia"]
        check(inertia <= 1.01 * 1926912,
              f"{ranks} ranks: k-means inertia {inertia:.1f} <= 1.01 x 1,926,912")
        ll = r["gmm"]["mean_log_likelihood"]
        check(ll >= -39.153 - 0.05, f"{ranks} ranks: GMM mean log-likelihood {ll:.4f} >= -39.203")
    agree(results, [1, 2, 4])
else:
    sys.exit(f"unknown scenario {scenario}")
