"""Every linear model on sparse (CSR) data, in both exchange modes and with L-BFGS, against the same
rows written densely, with real mpirun:

  sparse_models.py PSML MPIEXEC DATA WORKDIR

Each set is written twice by h5py: dense (/features) and as CSR (/indptr, /indices, /values,
attribute num_features), with about 70% of its values zero. Each model (logreg on 2 classes,
softmax and svm on 4, linreg on a regression set) trains on both files with the same options; the
saved parameter vectors (the same layout: W, then b) agree to 1e-5 relative:
  * --mode allreduce, sgd (2 ranks): the CSR run sums a dense gradient scattered from each step's
    keys; and with --sparse-exchange sparse, gathers each step's keys and values (plain SGD leaves
    untouched keys alone either way);
  * --mode ps, bsp, sgd (2 workers + 1 server): the CSR run pushes and pulls only the touched keys;
  * --solver lbfgs (2 ranks), to convergence.
Then: psml eval reads a CSR softmax model on CSR and on dense test rows alike; a LIBSVM file with
labels 1..3 imports as class ids 0..2 and trains softmax; a non-linear model on CSR data is one
error line.
"""
import os
import re
import shutil
import sys

import h5py
import numpy as np
from harness import check, logged_run, mpi_runner

psml, mpiexec, data, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


run = mpi_runner(mpiexec, psml, timeout=300)


def write_both(name, x, y, **attrs):
    """name-dense.h5 and name-csr.h5 holding the same rows."""
    with h5py.File(f"{work}/{name}-dense.h5", "w") as f:
        f["features"] = x
        f["labels"] = y
        f.attrs.update(attrs)
    indptr, indices, values = [0], [], []
    for row in x:
        nz = np.flatnonzero(row)
        indices.extend(nz)
        values.extend(row[nz])
        indptr.append(len(indices))
    with h5py.File(f"{work}/{name}-csr.h5", "w") as f:
        f["indptr"] = np.array(indptr, np.int64)
        f["indices"] = np.array(indices, np.int64)
        f["values"] = np.array(values, np.float32)
        f["labels"] = y
        f.attrs["num_features"] = x.shape[1]
        f.attrs.update(attrs)


def params(path):
    with h5py.File(path) as f:
        return f["params"][:].astype(np.float64)


rng = np.random.default_rng(4)


def sparsify(path):
    with h5py.File(path) as f:
        x, y = f["features"][:].astype(np.float32), f["labels"][:]
    return x * (rng.random(x.shape) > 0.7), y


x, y = sparsify(f"{data}/train.h5")
write_both("classes", x, y.astype(np.int32))
x, y = sparsify(f"{data}/binary_train.h5")
write_both("binary", x, y.astype(np.int32))
x, y = sparsify(f"{data}/regression_train.h5")
write_both("regression", x, y.astype(np.float32), task="regression")
models = [("logreg", "binary", []), ("softmax", "classes", []), ("svm", "classes", []),
          ("linreg", "regression", ["--lr", "0.02"])]
modes = [("allreduce", 2, ["--epochs", "2", "--batch", "64"]),
         ("allreduce-gather", 2, ["--epochs", "2", "--batch", "64"]),
         ("ps", 3, ["--mode", "ps", "--servers", "1", "--epochs", "2", "--batch", "64"]),
         ("lbfgs", 2, ["--solver", "lbfgs", "--l2", "1e-2", "--gtol", "1e-9", "--ftol", "0",
                       "--max-iter", "1000"])]
for model, dataset, extra in models:
    for mode, ranks, args in modes:
        got = {}
        for form in ("dense", "csr"):
            out = f"{work}/{model}-{mode}-{form}.h5"
            gather = ["--sparse-exchange", "sparse"] if mode == "allreduce-gather" and form == "csr" else []
            text = run(ranks, "train", "--data", f"{work}/{dataset}-{form}.h5", "--model", model,
                       *args, *gather, *(extra if mode != "lbfgs" else []), "--save-model", out)
            if gather:
                check("allreduce of sparse gradients" in text, f"{model}: the steps gather their keys")
            if form == "csr" and mode != "lbfgs":
                check("on CSR rows" in text, f"{model} {mode}: the run says it trains on CSR rows")
            got[form] = params(out)
        d, c = got["dense"], got["csr"]
        difference = float(np.linalg.norm(c - d) / np.linalg.norm(d))
        check(d.shape == c.shape and difference <= 1e-5,
              f"{model}, {mode}: CSR and dense parameters agree ({difference:.1e} relative)")

# psml eval: a model trained on CSR rows judges CSR and dense rows alike.
dense_eval = run(2, "eval", "--model-file", f"{work}/softmax-allreduce-csr.h5", "--data",
                 f"{work}/classes-dense.h5")
csr_eval = run(2, "eval", "--model-file", f"{work}/softmax-allreduce-csr.h5", "--data",
               f"{work}/classes-csr.h5")
accuracy = [float(re.search(r"^accuracy ([0-9.]+)$", t, re.M)[1]) for t in (dense_eval, csr_eval)]
check(accuracy[0] == accuracy[1] and accuracy[0] > 0.5,
      f"eval of the CSR-trained softmax: {accuracy[0]:.4f} on dense rows, {accuracy[1]:.4f} on CSR")

# Multi-class LIBSVM: labels 1..3 become class ids 0..2.
with open(f"{work}/three.svm", "w") as f:
    for i in range(900):
        label = i % 3 + 1
        cols = sorted(rng.choice(30, 4, replace=False))
        f.write(f"{label} " + " ".join(f"{c + 1}:{(2.0 if c % 3 == label - 1 else 0.5):.1f}"
                                       for c in cols) + "\n")
p = logged_run([psml, "data", "import", "--input", f"{work}/three.svm", "--out", f"{work}/three.h5"])
check(p.returncode == 0, "a multi-class LIBSVM file imports")
with h5py.File(f"{work}/three.h5") as f:
    labels, classes = f["labels"][:], f.attrs["num_classes"]
check(sorted(set(labels.tolist())) == [0, 1, 2] and classes == 3,
      f"labels 1..3 are class ids 0..2 (num_classes {classes})")
text = run(2, "train", "--data", f"{work}/three.h5", "--model", "softmax", "--epochs", "5",
           "--lr", "0.5")
check("3 classes" in text, "softmax trains on it")
check("labels 1..3 became class ids 0..2" in p.stdout, "the import says how labels became ids")
# A test file holding only label 1 (of a 1..2 training file) reads as ±1 unless told its base.
with open(f"{work}/ones.svm", "w") as f:
    f.write("1 1:0.5 3:1\n1 2:1\n")
p = logged_run([psml, "data", "import", "--input", f"{work}/ones.svm", "--out", f"{work}/ones.h5"])
with h5py.File(f"{work}/ones.h5") as f:
    auto = f["labels"][:].tolist()
check(p.returncode == 0 and auto == [1, 1] and "labels -1 / +1 became class ids 0 / 1" in p.stdout,
      "auto: a file of +1 labels is binary (+1 is class 1), and says so")
p = logged_run([psml, "data", "import", "--input", f"{work}/ones.svm", "--label-base", "1",
                "--out", f"{work}/ones-base1.h5"])
with h5py.File(f"{work}/ones-base1.h5") as f:
    based = f["labels"][:].tolist()
check(p.returncode == 0 and based == [0, 0], "--label-base 1: label 1 is class 0")
p = logged_run([psml, "data", "import", "--input", f"{work}/three.svm", "--label-base", "pm1",
                "--out", f"{work}/never.h5"])
check(p.returncode != 0 and "three.svm: label 2 is not -1 or +1" in p.stderr,
      "--label-base pm1 on labels 1..3: one line")

# --sparse-exchange auto: the gather where the step's non-zeros are few against the features.
text = run(2, "train", "--data", f"{data}/sparse_train.h5", "--model", "logreg", "--epochs", "1")
check("allreduce of sparse gradients" in text, "auto: 10,000 features, 128 x 20 non-zeros: gathered")
text = run(2, "train", "--data", f"{work}/classes-csr.h5", "--model", "softmax", "--epochs", "1")
check("a dense gradient from each step's keys" in text, "auto: 20 features: a dense gradient")
e = run(2, "train", "--data", f"{work}/classes-dense.h5", "--sparse-exchange", "sparse",
        expect_ok=False)
check("--sparse-exchange applies to sparse (CSR) data" in e, "--sparse-exchange on dense data")

e = run(2, "train", "--data", f"{work}/classes-csr.h5", "--model", "mlp", expect_ok=False)
check("sparse (CSR) data trains the linear models" in e, "an MLP on CSR data: one line")
