"""Writes the data files the end-to-end tests use, into the folder given as argv[1].

Good files are written the way h5py users write them (float64 features, int64 labels, gzip or
contiguous layouts), split from a psml-generated synthetic set; bad files each break one rule.
argv[2] is the psml program (used for `data synth` and the Fashion-MNIST import).
"""
import os, shutil, subprocess, sys
import h5py
import numpy as np

out, psml = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
p = lambda name: os.path.join(out, name)

def write(name, features, labels, compression=None, chunks=None, **attrs):
    with h5py.File(p(name), "w") as f:
        if features is not None:
            f.create_dataset("features", data=features, compression=compression, chunks=chunks)
        if labels is not None:
            f.create_dataset("labels", data=labels)
        for k, v in attrs.items():
            f.attrs[k] = v

# A synthetic classification set from psml itself, split by h5py into train and test files.
subprocess.run([psml, "data", "synth", "--rows", "3000", "--features", "20", "--classes", "4",
                "--separation", "1.0", "--seed", "7", "--out", p("synth_all.h5")], check=True,
               stdout=subprocess.DEVNULL)
with h5py.File(p("synth_all.h5"), "r") as f:
    x, y = f["features"][:], f["labels"][:]
# 2001 training rows: not divisible by 2 or 4, so shards and batches are uneven.
write("train.h5", x[:2001].astype(np.float64), y[:2001].astype(np.int64), compression="gzip",
      chunks=(100, 20), num_classes=4)
write("test.h5", x[2001:].astype(np.float32), y[2001:].astype(np.uint8))  # no attributes at all
# A filter no HDF5 here has (id 30999), marked optional: HDF5 writes the chunks without it.
with h5py.File(p("unknown_filter.h5"), "w") as f:
    space = h5py.h5s.create_simple((100, 20))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((50, 20))
    dcpl.set_filter(30999, h5py.h5z.FLAG_OPTIONAL)
    h5py.h5d.create(f.id, b"features", h5py.h5t.NATIVE_FLOAT, space, dcpl=dcpl).write(
        h5py.h5s.ALL, h5py.h5s.ALL, np.tile(np.arange(20, dtype=np.float32), (100, 1)))
    f.create_dataset("labels", data=y[:100])
with h5py.File(p("train_lzf.h5"), "w") as f:
    # Compressible values, so that lzf (an h5py-only filter) really is applied to the chunks.
    f.create_dataset("features", data=np.tile(np.arange(20, dtype=np.float32), (100, 1)),
                     compression="lzf")
    f.create_dataset("labels", data=y[:100])

# A binary set for logistic regression, and a regression set split into train and test.
subprocess.run([psml, "data", "synth", "--rows", "1500", "--features", "10", "--classes", "2",
                "--separation", "1.0", "--seed", "5", "--out", p("binary_all.h5")], check=True,
               stdout=subprocess.DEVNULL)
with h5py.File(p("binary_all.h5"), "r") as f:
    bx, by = f["features"][:], f["labels"][:]
write("binary_train.h5", bx[:1000], by[:1000])
write("binary_test.h5", bx[1000:], by[1000:])
subprocess.run([psml, "data", "synth", "--task", "regression", "--rows", "1500", "--features", "8",
                "--noise", "0.1", "--seed", "6", "--out", p("regression_all.h5")], check=True,
               stdout=subprocess.DEVNULL)
with h5py.File(p("regression_all.h5"), "r") as f:
    rx, ry = f["features"][:], f["labels"][:]
write("regression_train.h5", rx[:1000], ry[:1000])
write("regression_test.h5", rx[1000:], ry[1000:])

# Sparse (CSR) binary sets from psml's generator, and LIBSVM text files, good and bad.
subprocess.run([psml, "data", "synth", "--rows", "20000", "--test-rows", "4000", "--test-out",
                p("sparse_test.h5"), "--features", "10000", "--nnz", "20", "--out",
                p("sparse_train.h5")], check=True, stdout=subprocess.DEVNULL)
with open(p("small.svm"), "w") as f:
    rng = np.random.default_rng(1)
    for i in range(600):
        cols = np.sort(rng.choice(50, 5, replace=False))
        label = 1 if cols[0] < 5 else -1
        f.write(f"{label:+d} " + " ".join(f"{c + 1}:{rng.normal():.4f}" for c in cols) + "\n")
with open(p("bad_line.svm"), "w") as f:
    f.write("+1 1:0.5 3:1\n-1 2:1 2:3\n")

# CSV text: the training split with a header, label first (psml's default); the test split with
# the label last and no header; and bad files, each breaking one rule on a known line.
with open(p("train.csv"), "w") as f:
    f.write("label," + ",".join(f"x{j}" for j in range(20)) + "\n")
    for row, label in zip(x[:2001], y[:2001]):
        f.write(f"{label}," + ",".join(repr(float(v)) for v in row) + "\n")
with open(p("test.csv"), "w") as f:
    for row, label in zip(x[2001:], y[2001:]):
        f.write(",".join(f"{v:.6g}" for v in row) + f",{label}\r\n")
bad_csv = {
    "csv_columns.csv": "label,a,b\n0,1,2\n1,2,3\n2,3\n",
    "csv_text.csv": "label,a,b\n0,1,2\n1,two,3\n",
    "csv_nan.csv": "0,1.5,2\n1,2,3\n1,NaN,3\n",
    "csv_label.csv": "label,a\n0,1\n1.5,2\n",
    "csv_empty.csv": "",
}
for name, text in bad_csv.items():
    with open(p(name), "w") as f:
        f.write(text)

# The task attribute in every string form h5py and the HDF5 C API write: fixed-length NULLPAD
# (np.bytes_, h5py's usual bytes: no terminator, the string fills its declared size), fixed
# NULLPAD with room to spare, fixed UTF-8, variable-length UTF-8 (a plain str), variable-length
# ASCII, and fixed SPACEPAD / NULLTERM (which h5py writes only through its low-level API).
# "regression" on integer labels is what psml reads only from the attribute, never by default.
def set_task(f, form, task):
    if form == "bytes":
        f.attrs["task"] = np.bytes_(task)
    elif form == "str":
        f.attrs["task"] = task
    elif form == "vlen_ascii":
        f.attrs.create("task", task, dtype=h5py.string_dtype("ascii"))
    elif form == "ascii_20":
        f.attrs.create("task", task, dtype=h5py.string_dtype("ascii", 20))
    elif form == "utf8_fixed":
        f.attrs.create("task", task.encode(), dtype=h5py.string_dtype("utf-8", len(task)))
    else:  # spacepad, spacepad_full, nullterm: through h5py's low-level API
        size = len(task) if form == "spacepad_full" else 20
        pad = h5py.h5t.STR_NULLTERM if form == "nullterm" else h5py.h5t.STR_SPACEPAD
        t = h5py.h5t.C_S1.copy()
        t.set_size(size)
        t.set_strpad(pad)
        attr = h5py.h5a.create(f.id, b"task", t, h5py.h5s.create(h5py.h5s.SCALAR))
        raw = task.encode().ljust(size, b" " if pad == h5py.h5t.STR_SPACEPAD else b"\0")
        attr.write(np.array(raw, dtype=f"S{size}"), mtype=t)

string_forms = ("bytes", "str", "vlen_ascii", "ascii_20", "utf8_fixed", "spacepad",
                "spacepad_full", "nullterm")
for form in string_forms:
    for task in ("classification", "regression"):
        with h5py.File(p(f"task_{form}_{task}.h5"), "w") as f:
            f.create_dataset("features", data=x[:200])
            f.create_dataset("labels", data=y[:200])
            set_task(f, form, task)

# Regression set (for a classification model: a clear error).
subprocess.run([psml, "data", "synth", "--task", "regression", "--rows", "200", "--features", "5",
                "--out", p("regression.h5")], check=True, stdout=subprocess.DEVNULL)

# Bad files.
good_x, good_y = x[:2001].astype(np.float32), y[:2001].astype(np.int32)
with open(p("not_hdf5.h5"), "w") as f:
    f.write("features,labels\n1,2\n")
write("missing_labels.h5", good_x, None)
write("missing_features.h5", None, good_y)
write("row_mismatch.h5", good_x, good_y[:-1])
bad = good_y.copy(); bad[1500] = 7
write("label_too_large.h5", good_x, bad, num_classes=4)
bad = good_y.copy(); bad[1900] = -1
write("label_negative.h5", good_x, bad, num_classes=4)  # without it, -1 would be a class of its own
bad = good_x.copy(); bad[1500, 3] = np.nan
write("nan_features.h5", bad, good_y)
bad = good_x.copy(); bad[10, 0] = np.inf
write("inf_features.h5", bad, good_y)
write("tiny.h5", good_x[:3], good_y[:3])
write("empty.h5", np.zeros((0, 20), np.float32), np.zeros(0, np.int32))
bad = good_y.astype(np.float32); bad[1500] = 0.5
write("float_labels.h5", good_x, bad, task="classification")  # whole numbers would be classes
write("string_features.h5", np.array([[b"a", b"b"]] * 4), np.zeros(4, np.int32))
write("features_1d.h5", good_x[:, 0], good_y)
write("other_width.h5", good_x[:, :7], good_y)
with open(p("train.h5"), "rb") as f:
    data = f.read()
with open(p("truncated.h5"), "wb") as f:
    f.write(data[: len(data) // 2])

# The real Fashion-MNIST from Debian's dataset-fashion-mnist, imported by psml.
src = "/usr/share/datasets/fashion-mnist"
for split in ("train", "t10k"):
    subprocess.run([psml, "data", "import", "--images", f"{src}/{split}-images-idx3-ubyte.gz",
                    "--labels", f"{src}/{split}-labels-idx1-ubyte.gz", "--divide-by", "255",
                    "--out", p(f"fmnist-{split}.h5")], check=True, stdout=subprocess.DEVNULL)
with open(p("bad_magic.idx"), "wb") as f:
    f.write(bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]))
with open(p("lying.idx"), "wb") as f:
    f.write(bytes([0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]))
print("test files in", out)
