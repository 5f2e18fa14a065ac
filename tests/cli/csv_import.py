"""psml data import on CSV as pandas writes it, each file written by pandas itself and read back
with h5py: the imported rows and labels must be the frame's, and the summary line must say how
the file was read.

  csv_import.py PSML MPIEXEC WORKDIR

Frames: df.to_csv with its index (an unnamed first column) and without; a frame with unnamed
columns (pandas' header 0,1,...,k-1); sep='\\t' (.tsv, and a .csv holding tabs); QUOTE_ALL and
QUOTE_NONNUMERIC (quoted numbers and quoted names with commas); a label picked by name; dropped
columns; a UTF-8 byte-order mark and \\r\\n line ends; a regression target. Then the errors: a
missing value, text labels, an unknown column; one line each, on every rank of an mpirun.
"""
import csv
import os
import re
import shutil
import sys

import h5py
import numpy as np
import pandas as pd
from harness import check, logged_run, mpi_runner

psml, mpiexec, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
rng = np.random.default_rng(7)
ROWS = 200


def frame(columns=("a", "b", "c", "d"), label="label"):
    """ROWS rows of float features (some negative, with many digits) and an integer label 0/1."""
    df = pd.DataFrame(rng.normal(size=(ROWS, len(columns))).round(6), columns=list(columns))
    if label is not None:
        df[label] = rng.integers(0, 2, size=ROWS)
    return df


def imported(name, *options, expect_ok=True):
    """Imports work/name into work/name.h5; returns the summary line (stdout), or the error line."""
    p = logged_run([psml, "data", "import", "--input", f"{work}/{name}", *options,
                    "--out", f"{work}/{name}.h5"])
    if not expect_ok:
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(p.returncode != 0 and len(errors) == 1, f"{name}: one error line, a failure")
        return errors[0]
    check(p.returncode == 0, f"{name} imports (exit code {p.returncode})")
    lines = p.stdout.strip().splitlines()
    check(len(lines) == 1 and lines[0].startswith(f"wrote {work}/{name}.h5: "),
          f"{name}: one summary line")
    return lines[0]


def check_rows(name, x, y, regression=False):
    """work/name.h5 holds exactly x (as float32) and the labels y."""
    with h5py.File(f"{work}/{name}.h5") as f:
        features, labels = f["features"][:], f["labels"][:]
        task = f.attrs["task"]
        task = task.decode() if isinstance(task, bytes) else str(task)
    check(features.shape == x.shape and np.array_equal(features, x.astype(np.float32)),
          f"{name}: features equal the frame's {x.shape}")
    check(np.array_equal(labels, y), f"{name}: labels equal the frame's")
    check(task == ("regression" if regression else "classification"), f"{name}: task {task}")


# 1. df.to_csv("p.csv"): the index first (unnamed), the label last. The case: the index
# became the label (200 classes from 200 rows).
df = frame()
df.to_csv(f"{work}/p.csv")
line = imported("p.csv")
check_rows("p.csv", df[["a", "b", "c", "d"]].to_numpy(), df["label"].to_numpy())
check(f": {ROWS} rows x 4 features, 2 classes; header skipped; "
      f"column 0 (no name: pandas' index, 0..{ROWS - 1}) dropped; "
      "label: column 5 (label), by its name" in line, "p.csv: the summary says it all")

# pandas infers gzip from the name: p.csv.gz reads the same (and a damaged one is one error).
df.to_csv(f"{work}/p.csv.gz")
line = imported("p.csv.gz")
check_rows("p.csv.gz", df[["a", "b", "c", "d"]].to_numpy(), df["label"].to_numpy())
with open(f"{work}/p.csv.gz", "rb") as f:
    whole = f.read()
with open(f"{work}/cut.csv.gz", "wb") as f:
    f.write(whole[:len(whole) // 2])
error = imported("cut.csv.gz", expect_ok=False)
check("cut.csv.gz: cannot read (unexpected end of file)" in error, error)

# 2. to_csv(index=False), the label first and named "target"; a shuffled index does not matter.
df = frame(label=None)
df.insert(0, "target", rng.integers(0, 3, size=ROWS))
df.to_csv(f"{work}/noindex.csv", index=False)
line = imported("noindex.csv")
check_rows("noindex.csv", df[["a", "b", "c", "d"]].to_numpy(), df["target"].to_numpy())
check("3 classes; header skipped; label: column 0 (target), by its name" in line, line)
df.sample(frac=1, random_state=1).to_csv(f"{work}/shuffled.csv")
line = imported("shuffled.csv")
check("column 0 (no name: pandas' index) dropped" in line, "a shuffled index is still dropped")
# Read back and written again, the old index is a column "Unnamed: 0": kept, with a warning.
pd.read_csv(f"{work}/p.csv").to_csv(f"{work}/again.csv")
line = imported("again.csv")
check("warning: column 1 (Unnamed: 0) is read as a feature: an index?" in line, line)

# 3. A frame with unnamed columns: pandas' header 0,1,2,3,4 (not a data row), with and without
# the index. The label, column 4, picked by pandas' name "4" (with the index: the file's column 5).
df = pd.DataFrame(rng.normal(size=(ROWS, 4)).round(5))
df[4] = rng.integers(0, 2, size=ROWS)
df.to_csv(f"{work}/numeric.csv", index=False)
line = imported("numeric.csv", "--label-column", "last")
check_rows("numeric.csv", df[[0, 1, 2, 3]].to_numpy(), df[4].to_numpy())
check("header 0..4 (pandas column names) skipped" in line, line)
df.to_csv(f"{work}/numeric_index.csv")
line = imported("numeric_index.csv", "--label-column", "4")
check_rows("numeric_index.csv", df[[0, 1, 2, 3]].to_numpy(), df[4].to_numpy())
check("label: column 5 (4)" in line and "pandas' index" in line, line)

# 4. Tabs: sep='\t' as .tsv, and tabs in a file named .csv (told by its first line).
df = frame()
df.to_csv(f"{work}/t.tsv", sep="\t", index=False)
line = imported("t.tsv")
check_rows("t.tsv", df[["a", "b", "c", "d"]].to_numpy(), df["label"].to_numpy())
check("tab-separated" in line, line)
df.to_csv(f"{work}/tabs.csv", sep="\t")
imported("tabs.csv")
check_rows("tabs.csv", df[["a", "b", "c", "d"]].to_numpy(), df["label"].to_numpy())

# 5. Quotes: QUOTE_ALL ("1.5", "0") and QUOTE_NONNUMERIC with names holding commas and quotes.
df = frame(columns=("width, cm", 'the "b"', "c"))
df.to_csv(f"{work}/all.csv", quoting=csv.QUOTE_ALL)
imported("all.csv")
check_rows("all.csv", df.iloc[:, :3].to_numpy(), df["label"].to_numpy())
df.to_csv(f"{work}/nonnumeric.csv", quoting=csv.QUOTE_NONNUMERIC, index=False)
line = imported("nonnumeric.csv", "--drop-columns", 'the "b"')
check_rows("nonnumeric.csv", df[["width, cm", "c"]].to_numpy(), df["label"].to_numpy())
check('column 1 (the "b") dropped' in line, line)

# 6. A label named by --label-column, columns dropped by name and number, a bool feature (True /
# False), a byte-order mark and \r\n (encoding="utf-8-sig", lineterminator="\r\n").
df = frame(columns=("id", "x1", "x2"), label="species_id")
df["id"] = np.arange(1000, 1000 + ROWS)
df["flag"] = rng.integers(0, 2, size=ROWS).astype(bool)
df["note"] = "text"
df.to_csv(f"{work}/named.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
line = imported("named.csv", "--label-column", "species_id", "--drop-columns", "id,5")
check_rows("named.csv", df[["x1", "x2", "flag"]].to_numpy(dtype=np.float64),
           df["species_id"].to_numpy())
check("columns 0 (id), 5 (note) dropped; label: column 3 (species_id)" in line, line)

# 7. A regression target.
df = frame(label=None)
df["y"] = rng.normal(size=ROWS).astype(np.float32)
df.to_csv(f"{work}/reg.csv", index=False)
line = imported("reg.csv", "--task", "regression")
check_rows("reg.csv", df[["a", "b", "c", "d"]].to_numpy(), df["y"].to_numpy(), regression=True)
check("regression targets" in line and "label: column 4 (y), by its name" in line, line)

# 8. Errors: one line naming the file, line and column, on every rank.
run = mpi_runner(mpiexec, psml)
df = frame()
df.loc[7, "c"] = np.nan
df.to_csv(f"{work}/missing.csv")
error = run(2, "data", "import", "--input", f"{work}/missing.csv", "--out", f"{work}/never.h5",
            expect_ok=False)
check("missing.csv:9: column 3 (c) is empty, a missing value" in error, error)
iris = frame(label="species")
iris["species"] = np.where(iris["species"] == 0, "setosa", "virginica")
iris.to_csv(f"{work}/iris.csv", index=False)
error = imported("iris.csv", "--label-column", "species", expect_ok=False)
check(re.search(r"iris.csv:2: column 4 \(species\), the label: '(setosa|virginica)' is not a "
                r"number; text labels are not supported yet: .*df\['species'\]", error), error)
error = imported("p.csv", "--label-column", "labl", expect_ok=False)
check("--label-column: " in error and "p.csv has no column 'labl' (its header: (no name), a, b"
      in error, error)
check(not os.path.exists(f"{work}/never.h5"), "a failed import leaves no file")
