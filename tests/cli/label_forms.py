"""HDF5 files as h5py users write them, trained with real mpirun (issue 27):

  label_forms.py PSML MPIEXEC DATA WORKDIR SCENARIO

  bool         numpy bool labels (h5py's enum) train logreg: classes False, True
  floats       pandas' float 0.0 / 1.0 / 2.0 labels train softmax (and an mlp with --output
               cross-entropy) as classes (linreg: values);
               2.5 among them is refused for softmax, naming the row
  one_to_k     labels 1..3 are read as classes 0..2 (no silent empty class 0); with a
               num_classes attribute they stay ids, and the empty class is warned of
  plus_minus   -1 / +1 labels train logreg as classes 0, 1
  strings      h5py.string_dtype() and fixed-length bytes ('S4') labels train softmax, the
               mapping printed; the test file's labels are read onto the training file's classes
  names        X and y, /train/X and /train/y: --features-path / --labels-path read them (train,
               eval, predict, data inspect), stored in config.toml; without them the error
               lists the datasets
  pixels       uint8 features 0..255: a warning names the file, the range and the remedies
"""
import os
import re
import shutil
import sys

import h5py
import numpy as np
from harness import check, mpi_runner

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
run = mpi_runner(mpiexec, psml, timeout=120)


def blobs(classes, rows=600, features=5, seed=0, scale=1.0):
    """Well separated Gaussian blobs: class c around 3 * e_c."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, rows)
    x = rng.normal(0, 0.5, (rows, features))
    x[np.arange(rows), y % features] += 3
    return (x * scale), y


def write(name, x, y, features="features", labels="labels", **attrs):
    path = f"{work}/{name}"
    with h5py.File(path, "w") as f:
        f[features] = x
        f[labels] = y
        for k, v in attrs.items():
            f.attrs[k] = v
    return path


def train(model, path, *extra, test=None, ranks=2):
    args = ["train", "--data", path, "--model", model, "--epochs", "3", "--lr", "0.1"]
    return run(ranks, *args, *(["--test", test] if test else []), *extra)


def accuracy(text):
    m = re.search(r"final test accuracy ([0-9.]+)", text)
    check(m is not None, "a final test accuracy")
    return float(m[1])


x, y = blobs(2)
x3, y3 = blobs(3, seed=1)
xt3, yt3 = blobs(3, seed=2)

if scenario == "bool":
    a = write("bool.h5", x, y.astype(bool))
    b = write("bool_test.h5", *blobs(2, seed=3)[:1], blobs(2, seed=3)[1].astype(bool))
    text = train("logreg", a, test=b)
    check(f"{a}: labels False, True read as classes 0, 1" in text, "the mapping is printed")
    check(accuracy(text) > 0.95, "bool labels train logreg")

elif scenario == "floats":
    a = write("floats.h5", x3, y3.astype(np.float64))
    b = write("floats_test.h5", xt3, yt3.astype(np.float64))
    text = train("softmax", a, test=b)
    check(f"{a}: float labels 0, 1, 2 read as classes 0, 1, 2" in text, "the mapping is printed")
    check(accuracy(text) > 0.95, "float 0/1/2 labels train softmax")
    text = run(2, "train", "--data", a, "--model", "linreg", "--epochs", "1", "--lr", "0.01")
    check("read as classes" not in text and "train_loss" in text, "linreg reads them as values")
    text = run(2, "train", "--data", a, "--model", "mlp", "--hidden", "8", "--output",
               "cross-entropy", "--epochs", "1")
    check("float labels 0, 1, 2 read as classes" in text, "an mlp with --output cross-entropy "
                                                         "reads them as classes")
    bad = y3.astype(np.float64)
    bad[100] = 2.5
    c = write("fraction.h5", x3, bad)
    err = run(2, "train", "--data", c, "--model", "softmax", expect_ok=False)
    check(f"{c}:/labels: row 100 has label 2.5, not a class" in err, "a fraction is refused")

elif scenario == "one_to_k":
    a = write("one_to_k.h5", x3, y3 + 1)
    b = write("one_to_k_test.h5", xt3, yt3 + 1)
    text = train("softmax", a, test=b)
    check(f"{a}: labels 1, 2, 3 read as classes 0, 1, 2" in text, "the mapping is printed")
    check("no rows" not in text, "no empty class 0")
    check(accuracy(text) > 0.95, "labels 1..3 train softmax")
    c = write("declared.h5", x3, y3 + 1, num_classes=4)
    d = write("declared_test.h5", xt3, yt3 + 1, num_classes=4)
    text = train("softmax", c, test=d)
    check(f"warning: {c}: class 0 of 4 has no rows" in text, "a declared class without rows")
    check(accuracy(text) > 0.95, "with num_classes 4 they stay ids and train")

elif scenario == "plus_minus":
    a = write("pm.h5", x, np.where(y == 1, 1, -1))
    xt, yt = blobs(2, seed=4)
    b = write("pm_test.h5", xt, np.where(yt == 1, 1, -1))
    text = train("logreg", a, test=b)
    check(f"{a}: labels -1, 1 read as classes 0, 1" in text, "the mapping is printed")
    check(accuracy(text) > 0.95, "-1 / +1 labels train logreg")

elif scenario == "strings":
    names = np.array(["cat", "dog", "fish"])
    a = write("vlen.h5", x3, names[y3].astype(object))
    with h5py.File(a, "r+") as f:  # h5py.string_dtype(): variable-length UTF-8
        del f["labels"]
        f.create_dataset("labels", data=names[y3].tolist(), dtype=h5py.string_dtype())
    b = write("fixed_test.h5", xt3, names[yt3].astype("S4"))  # numpy bytes: fixed length
    text = train("softmax", a, test=b)
    check(f"{a}: labels 'cat', 'dog', 'fish' read as classes 0, 1, 2" in text,
          "the mapping is printed once")
    check(text.count("read as classes") == 1, "only the training file's mapping")
    check(accuracy(text) > 0.95, "string labels train softmax, the test file read onto them")
    c = write("fixed.h5", x3, names[y3].astype("S4"))
    text = train("softmax", c)
    check(f"{c}: labels 'cat', 'dog', 'fish' read as classes 0, 1, 2" in text, "fixed bytes too")
    d = write("bird_test.h5", xt3, np.where(yt3 == 2, "bird", names[yt3]).astype("S4"))
    err = run(2, "train", "--data", a, "--test", d, "--model", "softmax", expect_ok=False)
    check(re.search(r"bird_test.h5:/labels: row \d+ has label 'bird', not one of the classes the "
                    r"model knows \('cat', 'dog', 'fish'\)", err) is not None,
          "a test label the model does not know is refused")

elif scenario == "names":
    a = write("xy.h5", x3, y3, features="X", labels="y")
    err = run(2, "train", "--data", a, expect_ok=False)
    check(f"{a}: no dataset '/features'; it holds /X (600 x 5, float64), /y (600, int64): name "
          f"them with --features-path X --labels-path y" in err, "the error lists the datasets")
    b = write("xy_test.h5", xt3, yt3, features="X", labels="y")
    run_dir = f"{work}/run"
    text = train("softmax", a, "--features-path", "X", "--labels-path", "y", "--run-dir", run_dir,
                 test=b)
    check(accuracy(text) > 0.95, "X and y train")
    with open(f"{run_dir}/config.toml") as f:
        config = f.read()
    check(re.search(r'^features-path = "X"$', config, re.M) is not None and
          re.search(r'^labels-path = "y"$', config, re.M) is not None,
          "config.toml keeps the dataset names")
    with h5py.File(f"{work}/grouped.h5", "w") as f:
        f["train/X"], f["train/y"] = x3, y3
    text = train("softmax", f"{work}/grouped.h5", "--features-path", "/train/X",
                 "--labels-path", "/train/y")
    check("train_loss" in text, "/train/X and /train/y train")
    text = run(1, "data", "inspect", f"{work}/grouped.h5", "--features-path", "/train/X",
               "--labels-path", "train/y")
    check(re.search(r"features +600 x 5 float64", text) is not None, "data inspect reads them")
    # eval, predict and compare name them too, on the run folder's model.
    text = run(2, "eval", "--model-file", run_dir, "--data", b, "--features-path", "X",
               "--labels-path", "y")
    check(re.search(r"^accuracy (0\.9|1\.0)", text, re.M) is not None, "eval reads X and y")
    run(2, "predict", "--model-file", run_dir, "--data", b, "--features-path", "X",
        "--out", f"{work}/xy_predictions.h5")
    with h5py.File(f"{work}/xy_predictions.h5") as f:
        check(len(f["predictions"]) == len(yt3), "predict reads X (and no labels)")
    err = run(2, "eval", "--model-file", run_dir, "--data", b, expect_ok=False)
    check("--features-path X --labels-path y" in err, "eval without the names says what to give")

elif scenario == "pixels":
    px = np.clip(x3 * 40 + 40, 0, 255).astype(np.uint8)
    a = write("pixels.h5", px, y3)
    text = run(2, "train", "--data", a, "--model", "softmax", "--epochs", "1")
    check(re.search(rf"warning: {re.escape(a)}: features range from 0 to \d+, far from unit "
                    r"scale: standardise them \(--standardize\), or import them scaled "
                    r"\(psml data import --divide-by\)", text) is not None,
          "the scale warning names the file, the range and the remedies")
    check(text.count("far from unit scale") == 1, "said once")
    text = train("softmax", write("unit.h5", x3, y3))
    check("far from unit scale" not in text, "no warning for unit-scale features")

else:
    sys.exit(f"unknown scenario {scenario}")
