"""--validation and --early-stop, with real mpirun:

  validation.py PSML MPIEXEC DATA WORKDIR

  * the held-out rows are chosen by the seed, not by the sharding: 1, 2 and 3 ranks train on the
    same number of rows, and with --batch-order global report the same validation figures (to
    float rounding); about the fraction asked for is held out; another seed holds out others;
  * --early-stop: an MLP that overfits a small set stops before --epochs, keeps the epoch with the
    lowest validation loss (the epoch lines say which), writes its checkpoint to
    CHECKPOINT_DIR/best, and --save-model holds the same parameters; the final test figure is that
    epoch's, and psml eval of the saved model agrees;
  * sparse (CSR) data: validation figures too;
  * errors: --early-stop without --validation, in ps mode, --validation with --data-memory.
"""
import json
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


def epochs(text):
    return [(int(m[1]), float(m[2]), float(m[3])) for m in
            re.finditer(r"^epoch +(\d+)/\d+ .*val_loss ([0-9.]+)  val_acc ([0-9.]+)", text, re.M)]


train = f"{data}/train.h5"
with h5py.File(train) as f:
    total = len(f["labels"])
common = ["train", "--data", train, "--model", "softmax", "--epochs", "2", "--validation", "0.25",
          "--batch-order", "global", "--lr", "0.1"]
texts = {r: run(r, *common) for r in (1, 2, 3)}
rows = {r: int(re.search(r"on \S+ \((\d+) x", t)[1]) for r, t in texts.items()}
check(len(set(rows.values())) == 1, f"1, 2 and 3 ranks train on the same rows: {rows}")
held = total - rows[1]
expect, sd = 0.25 * total, (0.25 * 0.75 * total) ** 0.5
check(abs(held - expect) < 4 * sd, f"{held} of {total} rows held out for 0.25 ({expect:.0f} +- {4 * sd:.0f})")
figures = {r: epochs(t) for r, t in texts.items()}
check(len(figures[1]) == 2 and all(abs(a[1] - b[1]) < 1e-3 for r in (2, 3)
                                   for a, b in zip(figures[1], figures[r])),
      f"validation losses agree on 1, 2, 3 ranks: {[f[-1][1] for f in figures.values()]}")
other = run(2, *common, "--seed", "7")
check(int(re.search(r"on \S+ \((\d+) x", other)[1]) != rows[1] or epochs(other) != figures[2],
      "another seed holds out other rows")

# Early stopping on a small set that an MLP overfits.
small = f"{work}/small.h5"
with h5py.File(f"{data}/fmnist-t10k.h5") as f, h5py.File(small, "w") as g:
    g["features"] = f["features"][:1500]
    g["labels"] = f["labels"][:1500]
    for k, v in f.attrs.items():
        g.attrs[k] = v
text = run(2, "train", "--data", small, "--test", f"{data}/fmnist-t10k.h5", "--model", "mlp",
           "--hidden", "256", "--optimizer", "adam", "--lr", "0.003", "--epochs", "60",
           "--validation", "0.3", "--early-stop", "3", "--checkpoint-dir", f"{work}/ckpt",
           "--save-model", f"{work}/model.h5", "--metrics", f"{work}/metrics.jsonl")
lines = epochs(text)
with open(f"{work}/metrics.jsonl") as f:  # the losses in full precision: no ties from rounding
    losses = {r["epoch"]: r["validation_loss"] for r in map(json.loads, f) if r["type"] == "epoch"}
best = min(lines, key=lambda e: losses[e[0]])
stop = re.search(r"early stop: .* for 3 epochs; keeping epoch (\d+)", text)
check(stop is not None and len(lines) < 60, f"it stops early, after {len(lines)} of 60 epochs")
check(int(stop[1]) == best[0] and lines[-1][0] == best[0] + 3,
      f"it keeps epoch {stop[1]}, the lowest validation loss ({losses[best[0]]:.6f}), 3 epochs "
      f"before the end")
best_files = [f for f in os.listdir(f"{work}/ckpt/best") if f.endswith(".h5")]
with h5py.File(f"{work}/model.h5") as f, h5py.File(f"{work}/ckpt/best/{best_files[0]}") as g:
    same = all(np.array_equal(f[k][:], g[k][:]) for k in ("params", "optimizer_state"))
check(len(best_files) == 1 and same, "--save-model holds the best epoch's parameters and optimizer "
      "state, as best/ does")
p = logged_run([psml, "checkpoint", "inspect", f"{work}/model.h5"])
check(re.search(rf"position +epoch {best[0]},", p.stdout) is not None,
      f"and the best epoch's position (epoch {best[0]}), from which a run resumes")
test_line = re.search(rf"^epoch +{best[0]}/60 .*test_acc ([0-9.]+)", text, re.M)[1]
final = re.search(r"final test accuracy ([0-9.]+)", text)[1]
check(final == test_line, f"the final test accuracy is the best epoch's ({final})")
e = run(2, "eval", "--model-file", f"{work}/model.h5", "--data", f"{data}/fmnist-t10k.h5")
check(abs(float(re.search(r"^accuracy ([0-9.]+)$", e, re.M)[1]) - float(final)) < 1e-4,
      "psml eval of the saved model agrees")

# Without --save-model, the run names the best epoch's checkpoint as its model.
text = run(2, "train", "--data", small, "--model", "mlp", "--hidden", "256", "--optimizer", "adam",
           "--lr", "0.003", "--epochs", "60", "--validation", "0.3", "--early-stop", "3",
           "--checkpoint-dir", f"{work}/ckpt2")
kept = re.search(r"model kept in the best epoch's checkpoint (\S+)", text)
check(kept is not None and "/ckpt2/best/" in kept[1], "without --save-model: the best checkpoint")

# Sparse data.
text = run(2, "train", "--data", f"{data}/sparse_train.h5", "--model", "logreg", "--epochs", "1",
           "--validation", "0.1")
check(re.search(r"val_loss [0-9.]+  val_acc [0-9.]+", text) is not None, "CSR data: validation figures")

# (--validation comes back from the checkpoint's configuration; its --early-stop does not.)
e = run(2, "train", "--data", train, "--early-stop", "2", "--resume", f"{work}/ckpt",
        expect_ok=False)
check("--early-stop watches the validation loss from the run's first epoch" in e,
      "--early-stop with --resume refused")
e = run(2, "train", "--data", train, "--early-stop", "2", expect_ok=False)
check("--early-stop: needs --validation" in e, "--early-stop without --validation")
e = run(3, "train", "--data", train, "--mode", "ps", "--validation", "0.1", "--early-stop", "2",
        expect_ok=False)
check("--early-stop: applies to --mode allreduce only; this run has --mode ps" in e, "ps refused")
e = run(2, "train", "--data", train, "--validation", "0.1", "--data-memory", "10KiB",
        expect_ok=False)
check("--validation holds rows out of a shard in memory" in e, "--data-memory refused")
