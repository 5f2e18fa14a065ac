"""psml eval and psml compare against scikit-learn's metrics and statsmodels' tests, with real
mpirun, on the same rows:

  judging.py PSML MPIEXEC DATA WORKDIR

  * a softmax model (4 classes, probabilities) and a linear SVM (margins) trained and saved by
    psml train, a Gaussian naive Bayes model fitted by psml fit, and a binary logistic regression
    (its log loss from the log-sigmoid of its one score);
  * psml eval (3 ranks): accuracy and its Wilson interval (statsmodels' proportion_confint),
    per-class precision / recall / F1 and their means (scikit-learn's
    precision_recall_fscore_support), log loss (from the model's scores in float64), expected
    calibration error over 15 bins (numpy), confusion matrix; the same figures with 1 rank; the
    SVM prints no log loss; --json holds them; psml report draws the reliability diagram;
  * psml compare A B: the counts of rows right and wrong are psml predict's, and the p-value is
    statsmodels' mcnemar(exact=True), for a close pair and a distant pair;
  * errors: a regression model, a missing file: one line each.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
from harness import check, mpi_runner
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

psml, mpiexec, data, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


run = mpi_runner(mpiexec, psml, timeout=300)


def number(text, pattern):
    return float(re.search(pattern, text, re.M)[1])


# Four classes that overlap (a model gets about 3 rows in 4 right): every figure is non-trivial.
train, test = f"{work}/train.h5", f"{work}/test.h5"
subprocess.run([psml, "data", "synth", "--rows", "4000", "--features", "20", "--classes", "4",
                "--separation", "0.25", "--seed", "3", "--test-rows", "3000", "--test-out", test,
                "--out", train], check=True, stdout=subprocess.DEVNULL)
with h5py.File(test) as f:
    labels = f["labels"][:]
# A binary logistic regression: its one score's log-sigmoid pair is the probabilities.
binary_train, binary_test = f"{work}/binary.h5", f"{work}/binary-test.h5"
subprocess.run([psml, "data", "synth", "--rows", "3000", "--features", "10", "--classes", "2",
                "--separation", "0.3", "--seed", "4", "--test-rows", "2000", "--test-out",
                binary_test, "--out", binary_train], check=True, stdout=subprocess.DEVNULL)
run(2, "train", "--data", binary_train, "--model", "logreg", "--epochs", "2", "--save-model",
    f"{work}/logreg.h5")
run(2, "predict", "--model-file", f"{work}/logreg.h5", "--data", binary_test, "--out",
    f"{work}/logreg_pred.h5")
with h5py.File(f"{work}/logreg_pred.h5") as f, h5py.File(binary_test) as g:
    z, truth = f["scores"][:, 0].astype(np.float64), g["labels"][:]
text = run(3, "eval", "--model-file", f"{work}/logreg.h5", "--data", binary_test)
# -log P(true class) with P(1) = sigmoid(z): log(1 + e^z) - y z, in float64.
expect = float(np.mean(np.logaddexp(0, z) - truth * z))
loss = float(re.search(r"^log loss ([0-9.]+)$", text, re.M)[1])
check(abs(loss - expect) < 2e-5 * max(1, expect), f"logreg: log loss {loss:.6f} ({expect:.6f})")

models = {
    "softmax": ("train", "--model", "softmax", "--epochs", "2", "--lr", "0.05"),
    "softmax_long": ("train", "--model", "softmax", "--epochs", "6", "--lr", "0.1"),
    "svm": ("train", "--model", "svm", "--epochs", "2"),
}
for name, args in models.items():
    run(2, *args, "--data", train, "--save-model", f"{work}/{name}.h5")
run(2, "fit", "naive-bayes", "--data", train, "--out", f"{work}/nb.h5")
paths = {name: f"{work}/{name}.h5" for name in [*models, "nb"]}


def predicted(name):
    out = f"{work}/{name}_pred.h5"
    run(2, "predict", "--model-file", paths[name], "--data", test, "--out", out)
    with h5py.File(out) as f:
        return {k: f[k][:] for k in f}


def log_softmax(s):
    s = s.astype(np.float64)
    top = s.max(axis=1, keepdims=True)
    return s - top - np.log(np.exp(s - top).sum(axis=1, keepdims=True))


for name in ("softmax", "svm", "nb"):
    p = predicted(name)
    pred = p["predictions"]
    text = run(3, "eval", "--model-file", paths[name], "--data", test, "--json", f"{work}/{name}.json")
    n = len(labels)
    right = int((pred == labels).sum())
    check(abs(number(text, r"^accuracy ([0-9.]+)$") - right / n) < 1e-6,
          f"{name}: accuracy {right / n:.6f}")
    low, high = proportion_confint(right, n, method="wilson")
    m = re.search(r"^accuracy 95% interval \[([0-9.]+), ([0-9.]+)\] \(Wilson", text, re.M)
    check(abs(float(m[1]) - low) < 1e-6 and abs(float(m[2]) - high) < 1e-6,
          f"{name}: Wilson interval [{low:.6f}, {high:.6f}] is statsmodels'")
    precision, recall, f1, support = precision_recall_fscore_support(labels, pred, zero_division=0)
    rows = re.findall(r"^ +(\d+) +(\d\.\d+) +(\d\.\d+) +(\d\.\d+) +(\d+)$", text, re.M)
    mine = np.array([[float(v) for v in r[1:]] for r in rows])
    check(len(rows) == 4 and np.abs(mine[:, 0] - precision).max() < 1e-6 and
          np.abs(mine[:, 1] - recall).max() < 1e-6 and np.abs(mine[:, 2] - f1).max() < 1e-6 and
          (mine[:, 3] == support).all(), f"{name}: per-class precision / recall / F1 are scikit-learn's")
    for avg, label in (("macro", "macro avg"), ("weighted", "weighted avg")):
        mp, mr, mf, _ = precision_recall_fscore_support(labels, pred, average=avg, zero_division=0)
        m = re.search(label + r" +([0-9.]+) +([0-9.]+) +([0-9.]+)", text)
        check(max(abs(float(m[1]) - mp), abs(float(m[2]) - mr), abs(float(m[3]) - mf)) < 1e-6,
              f"{name}: {label} is scikit-learn's")
    report = json.load(open(f"{work}/{name}.json"))
    check(np.array_equal(np.array(report["confusion"]), confusion_matrix(labels, pred)),
          f"{name}: the confusion matrix is scikit-learn's")
    if name == "svm":
        check("log loss: none" in text and "log_loss" not in report, "svm: margins, no log loss")
        continue
    log_p = log_softmax(p["scores"]) if name == "softmax" else np.log(
        np.maximum(p["probabilities"].astype(np.float64), 1e-300))
    expect = -log_p[np.arange(n), labels].mean()
    loss = number(text, r"^log loss ([0-9.]+)$")
    check(abs(loss - expect) < 2e-5 * max(1, expect), f"{name}: log loss {loss:.6f} ({expect:.6f})")
    confidence = np.exp(log_p.max(axis=1))
    bins = np.minimum((confidence * 15).astype(int), 14)
    ece = sum((bins == b).sum() / n * abs((pred[bins == b] == labels[bins == b]).mean() -
                                          confidence[bins == b].mean())
              for b in range(15) if (bins == b).any())
    got = number(text, r"^expected calibration error ([0-9.]+)")
    check(abs(got - ece) < 1e-4, f"{name}: expected calibration error {got:.6f} ({ece:.6f})")
    check(abs(report["expected_calibration_error"] - got) < 1e-6 and len(report["calibration"]) == 15,
          f"{name}: --json holds the calibration bins")
    one = run(1, "eval", "--model-file", paths[name], "--data", test)
    check(number(one, r"^log loss ([0-9.]+)$") == loss and
          number(one, r"^accuracy ([0-9.]+)$") == number(text, r"^accuracy ([0-9.]+)$"),
          f"{name}: 1 rank prints the same figures as 3")

# psml report draws the reliability diagram of an eval report.
p = subprocess.run([psml, "report", f"{work}/softmax.json", "--out", f"{work}/reliability.png"],
                   capture_output=True, text=True, timeout=120)
print(p.stdout, p.stderr)
check(p.returncode == 0 and os.path.getsize(f"{work}/reliability.png") > 10000,
      "psml report draws the reliability diagram")

# psml compare: counts from predict's outputs, the p-value statsmodels'.
for a, b in (("softmax", "softmax_long"), ("softmax", "nb"), ("svm", "softmax")):
    ra = predicted(a)["predictions"] == labels
    rb = predicted(b)["predictions"] == labels
    table = [[int((ra & rb).sum()), int((ra & ~rb).sum())], [int((~ra & rb).sum()), int((~ra & ~rb).sum())]]
    expect = mcnemar(table, exact=True).pvalue
    text = run(3, "compare", paths[a], paths[b], "--data", test)
    counts = re.search(r"both right (\d+), only A right (\d+), only B right (\d+), both wrong (\d+)", text)
    check([int(c) for c in counts.groups()] == [table[0][0], table[0][1], table[1][0], table[1][1]],
          f"compare {a} {b}: counts {table}")
    got = number(text, r"McNemar exact p-value ([0-9.eE+-]+)")
    check(abs(got - expect) <= 1e-5 * expect + 1e-300,
          f"compare {a} {b}: p-value {got:.6g} is statsmodels' ({expect:.6g})")

# Errors.
subprocess.run([psml, "data", "synth", "--task", "regression", "--rows", "500", "--features", "20",
                "--out", f"{work}/regression.h5"], check=True, stdout=subprocess.DEVNULL)
run(2, "train", "--data", f"{work}/regression.h5", "--model", "linreg", "--epochs", "1",
    "--save-model", f"{work}/linreg.h5")
e = run(2, "compare", paths["softmax"], f"{work}/linreg.h5", "--data", test, expect_ok=False)
check("linreg.h5" in e and "regression" in e, f"a regression model in compare: {e}")
e = run(2, "compare", paths["softmax"], f"{work}/missing.h5", "--data", test, expect_ok=False)
check("missing.h5" in e, f"a missing model: {e}")
