"""Model files end to end (issue 27), with real mpirun runs, each scenario seconds long:

  model_files.py PSML MPIEXEC DATA WORKDIR SCENARIO

  no-labels    psml predict on a file with /features only (written by h5py) writes predictions,
               for a trained model and for a fitted one (k-means), on 2 ranks: the same as on the
               labelled file; eval still asks for labels
  standardize  --standardize on uint8 pixels 0..255 (h5py) reaches the accuracy of the same data
               / 255; the stored mean and scale are numpy's (ddof 0) of the training rows (also
               in ps mode and streamed); predict and eval apply them (scores equal numpy's from
               /params); --resume keeps them (never computed again) and refuses a mismatch;
               CSR data: scaled, not centred
  class-names  a model with class names (the attribute class_names of a checkpoint or of a naive
               Bayes model): predict writes /predicted_labels (strings, or int64 where the names
               are integers), eval's per-class table and JSON name the classes
  run-folder   eval, predict and checkpoint inspect take a run folder (--run-dir): its newest
               checkpoint; a run folder without one says so plainly
  h5py-str     a checkpoint's and a prediction file's string attributes read as str in h5py
  numpy-doc    the numpy snippet of docs/checkpoints.md loads an MLP and reproduces psml
               predict's scores
"""
import json, os, re, shutil, subprocess, sys
import h5py
import numpy as np
from harness import check, logged_run, mpi_runner

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
run = mpi_runner(mpiexec, psml, timeout=120)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def write(path, x, y=None, **attrs):
    with h5py.File(path, "w") as f:
        f["features"] = x
        if y is not None:
            f["labels"] = y
        for k, v in attrs.items():
            f.attrs[k] = v


def datasets(path):
    with h5py.File(path) as f:
        return {k: f[k][:] for k in f}


def features_only(src, dst):
    with h5py.File(src) as f:
        write(dst, f["features"][:])


if scenario == "no-labels":
    features_only(f"{data}/test.h5", f"{work}/nolabels.h5")
    run(2, "train", "--data", f"{data}/train.h5", "--model", "mlp", "--hidden", "8", "--epochs", "1",
        "--save-model", f"{work}/model.h5")
    for name, model in (("trained", f"{work}/model.h5"), ("kmeans", f"{work}/kmeans.h5")):
        if name == "kmeans":
            run(2, "fit", "kmeans", "--data", f"{data}/train.h5", "--k", "4", "--out", model)
        out = run(2, "predict", "--model-file", model, "--data", f"{work}/nolabels.h5",
                  "--out", f"{work}/{name}_nolabels.h5")
        check("999 rows" in out, f"{name}: predictions of the 999 rows written")
        run(2, "predict", "--model-file", model, "--data", f"{data}/test.h5",
            "--out", f"{work}/{name}_labelled.h5")
        a, b = datasets(f"{work}/{name}_nolabels.h5"), datasets(f"{work}/{name}_labelled.h5")
        check(np.array_equal(a["predictions"], b["predictions"]) and
              np.array_equal(a["scores"], b["scores"]),
              f"{name}: the same predictions and scores as on the labelled file")
        check("labels" not in a, f"{name}: no /labels copied from a file that has none")
    err = run(2, "eval", "--model-file", f"{work}/model.h5", "--data", f"{work}/nolabels.h5",
              expect_ok=False)
    check("nolabels.h5" in err and "labels" in err, f"eval needs labels, naming the file: {err}")

elif scenario == "standardize":
    rng = np.random.default_rng(7)
    n, d = 3000, 12
    centres = rng.integers(70, 186, size=(3, d))
    y = rng.integers(0, 3, size=n)
    pixels = np.clip(centres[y] + rng.normal(0, 50, size=(n, d)), 0, 255).astype(np.uint8)
    write(f"{work}/pixels.h5", pixels[:2400], y[:2400].astype(np.int32))
    write(f"{work}/pixels_test.h5", pixels[2400:], y[2400:].astype(np.int32))
    write(f"{work}/scaled.h5", pixels[:2400] / 255.0, y[:2400].astype(np.int32))
    write(f"{work}/scaled_test.h5", pixels[2400:] / 255.0, y[2400:].astype(np.int32))
    common = ["--model", "softmax", "--lr", "0.1", "--batch", "64"]

    def accuracy(out):
        return float(re.findall(r"test_acc +([0-9.]+)", out)[-1])

    raw = accuracy(run(2, "train", "--data", f"{work}/pixels.h5", "--test", f"{work}/pixels_test.h5",
                       *common, "--epochs", "3", "--standardize", "--save-model",
                       f"{work}/std.h5"))
    scaled = accuracy(run(2, "train", "--data", f"{work}/scaled.h5", "--test",
                          f"{work}/scaled_test.h5", *common, "--epochs", "3", "--save-model",
                          f"{work}/plain.h5"))
    scaled_std = accuracy(run(2, "train", "--data", f"{work}/scaled.h5", "--test",
                              f"{work}/scaled_test.h5", *common, "--epochs", "3", "--standardize"))
    check(raw > 0.7 and abs(raw - scaled_std) <= 0.005 and raw >= scaled - 0.01,
          f"uint8 pixels with --standardize: test accuracy {raw}, as pixels / 255 with it "
          f"({scaled_std}), and without it ({scaled})")
    x = pixels[:2400].astype(np.float64)
    with h5py.File(f"{work}/std.h5") as f:
        mean, scale = f["standardize_mean"][:], f["standardize_scale"][:]
        params, classes = f["params"][:].astype(np.float64), int(f.attrs["num_classes"])
    check(np.allclose(mean, x.mean(0), rtol=1e-12) and np.allclose(scale, x.std(0), rtol=1e-12),
          "the stored mean and scale are numpy's of the training rows (ddof 0)")
    run(2, "predict", "--model-file", f"{work}/std.h5", "--data", f"{work}/pixels_test.h5",
        "--out", f"{work}/pred.h5")
    w, b = params[:classes * d].reshape(classes, d), params[classes * d:]
    z = (pixels[2400:] - mean) / scale
    scores = z @ w.T + b
    got = datasets(f"{work}/pred.h5")
    check(np.allclose(got["scores"], scores, atol=1e-4),
          f"predict applies them: scores within 1e-4 of numpy's "
          f"({np.abs(got['scores'] - scores).max():.1e})")
    acc = float((scores.argmax(1) == y[2400:]).mean())
    out = run(2, "eval", "--model-file", f"{work}/std.h5", "--data", f"{work}/pixels_test.h5")
    check(f"accuracy {acc:.6f}" in out, f"eval applies them: accuracy {acc:.6f} as numpy's")
    # Parameter-server mode: the servers write the checkpoint, the figures travel to them.
    run(3, "train", "--data", f"{work}/pixels.h5", *common, "--epochs", "1", "--standardize",
        "--mode", "ps", "--servers", "1", "--save-model", f"{work}/ps.h5")
    with h5py.File(f"{work}/ps.h5") as f:
        check(np.allclose(f["standardize_mean"][:], mean, rtol=1e-12) and
              np.allclose(f["standardize_scale"][:], scale, rtol=1e-12),
              "ps mode: the servers' checkpoint holds the same mean and scale")
    # Streamed (--data-memory): the same figures, from the file; every window standardized.
    out = run(2, "train", "--data", f"{work}/pixels.h5", "--test", f"{work}/pixels_test.h5",
              *common, "--epochs", "3", "--standardize", "--data-memory", "32KiB", "--save-model",
              f"{work}/streamed.h5")
    check("streamed" in out and accuracy(out) > 0.7, f"streamed: test accuracy {accuracy(out)}")
    with h5py.File(f"{work}/streamed.h5") as f:
        check(np.allclose(f["standardize_mean"][:], mean, rtol=1e-12) and
              np.allclose(f["standardize_scale"][:], scale, rtol=1e-12),
              "streamed: the same mean and scale as the shard in memory")
    # --resume on other rows of the same shape: the checkpoint's figures, not these rows'.
    run(2, "train", "--data", f"{work}/scaled.h5", *common, "--epochs", "4", "--standardize",
        "--resume", f"{work}/std.h5", "--save-model", f"{work}/resumed.h5")
    with h5py.File(f"{work}/resumed.h5") as f:
        check(np.array_equal(f["standardize_mean"][:], mean) and
              np.array_equal(f["standardize_scale"][:], scale),
              "--resume keeps the checkpoint's mean and scale (not computed again)")
    err = run(2, "train", "--data", f"{work}/scaled.h5", *common, "--epochs", "5", "--standardize",
              "--resume", f"{work}/plain.h5", expect_ok=False)
    check("--standardize" in err and "plain.h5" in err, f"--standardize on a resume of a model "
                                                          f"trained without: one error: {err}")
    # A resume restores the checkpoint's configuration, --standardize with it.
    run(2, "train", "--data", f"{work}/scaled.h5", *common, "--epochs", "5",
        "--resume", f"{work}/std.h5", "--save-model", f"{work}/resumed-again.h5")
    with h5py.File(f"{work}/resumed-again.h5") as f:
        check(np.array_equal(f["standardize_mean"][:], mean),
              "a resume without --standardize keeps the checkpoint's (restored with its options)")
    # Sparse: scaled by the column's std (its zeros counted), never centred.
    import scipy.sparse as sp
    dense = np.where(rng.random((400, 30)) < 0.2, rng.integers(1, 100, (400, 30)), 0).astype(
        np.float32)
    labels = (dense[:, 0] > dense[:, 1]).astype(np.int32)
    csr = sp.csr_matrix(dense)
    with h5py.File(f"{work}/sparse.h5", "w") as f:
        f["indptr"], f["indices"], f["values"] = csr.indptr, csr.indices, csr.data
        f["labels"] = labels
        f.attrs["num_features"] = 30
    run(2, "train", "--data", f"{work}/sparse.h5", "--model", "logreg", "--epochs", "1",
        "--standardize", "--save-model", f"{work}/sparse_model.h5")
    with h5py.File(f"{work}/sparse_model.h5") as f:
        check(not f["standardize_mean"][:].any() and
              np.allclose(f["standardize_scale"][:], dense.astype(np.float64).std(0), rtol=1e-9),
              "CSR: mean 0 (not centred), scale numpy's std of the columns")

elif scenario == "class-names":
    run(2, "train", "--data", f"{data}/train.h5", "--model", "softmax", "--epochs", "2",
        "--save-model", f"{work}/ids.h5")
    run(2, "fit", "naive-bayes", "--data", f"{data}/train.h5", "--out", f"{work}/nb_ids.h5")
    for names, kind, source in ((["cat", "dog", "émeu", "bird"], "str", "ids"),
                                (["-1", "7", "3", "100"], "int", "ids"),
                                (["cat", "dog", "émeu", "bird"], "nb", "nb_ids")):
        model = f"{work}/{kind}.h5"
        shutil.copy(f"{work}/{source}.h5", model)
        with h5py.File(model, "r+") as f:  # as psml train writes it for labels that are not ids
            f.attrs["class_names"] = json.dumps(names, ensure_ascii=False)
        out = run(2, "predict", "--model-file", model, "--data", f"{data}/test.h5",
                  "--out", f"{work}/{kind}_pred.h5")
        check(kind == "nb" or "/predicted_labels" in out, "predict says it wrote /predicted_labels")
        with h5py.File(f"{work}/{kind}_pred.h5") as f:
            ids = f["predictions"][:]
            labels = f["predicted_labels"]
            text = kind != "int"
            got = list(labels.asstr()[:]) if text else list(labels[:])
            want = [names[i] for i in ids] if text else [int(names[i]) for i in ids]
            check(got == want, f"{kind}: /predicted_labels is each row's class as its name")
            check(text or labels.dtype == np.int64, f"{kind}: dtype {labels.dtype}")
        # eval maps the eval file's labels onto the model's classes: a file labelled by the
        # names, where the label reader takes such labels; else (labels that are ids) the ids.
        with h5py.File(f"{data}/test.h5") as f:
            x, y = f["features"][:], f["labels"][:]
        named = [names[i] for i in y]
        write(f"{work}/{kind}_test.h5", x,
              np.array(named, dtype=h5py.string_dtype()) if kind != "int"
              else np.array([int(n) for n in named], dtype=np.int64))
        args = ["eval", "--model-file", model, "--json", f"{work}/{kind}.json", "--data"]
        p = logged_run([mpiexec, "--oversubscribe", "-n", "2", psml, *args, f"{work}/{kind}_test.h5"])
        out = p.stdout if p.returncode == 0 else run(2, *args, f"{data}/test.h5")
        print("eval of the file labelled by the names:", "read" if p.returncode == 0 else
              "not read (labels must be class ids here): judged on the ids")
        for name in names:
            check(re.search(rf"^ +{re.escape(name)} +[0-9.]+ ", out, re.M) is not None,
                  f"eval's per-class table names class {name}")
        with open(f"{work}/{kind}.json") as f:
            check([c["name"] for c in json.load(f)["classes"]] == names, "the JSON names them")
        if kind != "nb":
            inspect = run(1, "checkpoint", "inspect", model)
            check("0=" + names[0] in inspect, "checkpoint inspect lists the class names")
    shutil.copy(f"{work}/ids.h5", f"{work}/bad.h5")
    with h5py.File(f"{work}/bad.h5", "r+") as f:
        f.attrs["class_names"] = json.dumps(["a", "b"])
    err = run(2, "predict", "--model-file", f"{work}/bad.h5", "--data", f"{data}/test.h5",
              "--out", f"{work}/never.h5", expect_ok=False)
    check("bad.h5" in err and "class_names names 2 classes, the model has 4" in err,
          f"class names that do not fit the model: one error naming the file: {err}")

elif scenario == "run-folder":
    folder = f"{work}/runs/x"
    run(2, "train", "--data", f"{data}/train.h5", "--model", "softmax", "--epochs", "1",
        "--run-dir", folder)
    check(os.path.isfile(f"{folder}/config.toml") and os.listdir(f"{folder}/checkpoints"),
          "the run folder holds config.toml and its checkpoints")
    out = run(2, "eval", "--model-file", folder, "--data", f"{data}/test.h5")
    check(re.search(r"eval: .*runs/x/checkpoints/ckpt-[0-9]+\.h5", out) is not None,
          "eval of a run folder reads its newest checkpoint")
    out = run(2, "predict", "--model-file", folder, "--data", f"{data}/test.h5",
              "--out", f"{work}/pred.h5")
    check("999 rows" in out, "predict of a run folder writes predictions")
    out = run(1, "checkpoint", "inspect", folder)
    check("checksums verified" in out and "runs/x/checkpoints" in out,
          "checkpoint inspect of a run folder reads its newest checkpoint")
    empty = f"{work}/runs/empty"
    os.makedirs(empty)
    with open(f"{empty}/config.toml", "w") as f:
        f.write("[train]\n")
    for args in (("eval", "--model-file", empty, "--data", f"{data}/test.h5"),
                 ("predict", "--model-file", empty, "--data", f"{data}/test.h5", "--out",
                  f"{work}/never.h5"),
                 ("checkpoint", "inspect", empty)):
        err = run(2, *args, expect_ok=False)
        check(err.endswith("runs/empty: a run folder with no checkpoint yet (the run saved none)"),
              f"{args[0]}: {err}")
    os.makedirs(f"{work}/nothing")
    err = run(1, "checkpoint", "inspect", f"{work}/nothing", expect_ok=False)
    check("nothing: holds no checkpoint" in err, f"an empty directory says so: {err}")

elif scenario == "h5py-str":
    run(2, "train", "--data", f"{data}/train.h5", "--model", "softmax", "--epochs", "1",
        "--save-model", f"{work}/model.h5")
    run(2, "predict", "--model-file", f"{work}/model.h5", "--data", f"{data}/test.h5",
        "--out", f"{work}/pred.h5")
    for path, keys in ((f"{work}/model.h5", ("format", "model", "task", "optimizer", "config",
                                              "mode", "created", "psml_version")),
                       (f"{work}/pred.h5", ("checkpoint", "data", "predictions"))):
        with h5py.File(path) as f:
            kinds = {k: type(f.attrs[k]).__name__ for k in keys}
            check(all(t == "str" for t in kinds.values()), f"{os.path.basename(path)}: {kinds}")
    with h5py.File(f"{work}/model.h5") as f:
        check(f.attrs["format"] == "psml-checkpoint-1", "format == 'psml-checkpoint-1' as a str")

elif scenario == "numpy-doc":
    run(2, "train", "--data", f"{data}/train.h5", "--model", "mlp", "--hidden", "16,8",
        "--epochs", "1", "--save-model", f"{work}/model.h5")
    run(2, "predict", "--model-file", f"{work}/model.h5", "--data", f"{data}/test.h5",
        "--out", f"{work}/predictions.h5")
    shutil.copy(f"{data}/test.h5", f"{work}/test.h5")
    with open(os.path.join(ROOT, "docs", "checkpoints.md")) as f:
        page = f.read()
    blocks = re.findall(r"<!-- numpy -->\n```python\n(.*?)```", page, re.S)
    check(len(blocks) == 1, "docs/checkpoints.md has one numpy snippet (marked <!-- numpy -->)")
    snippet = blocks[0] + "\nnp.save('scores.npy', scores)\n"
    p = subprocess.run([sys.executable, "-c", snippet], cwd=work, capture_output=True, text=True,
                       timeout=60)
    print(p.stdout + p.stderr)
    check(p.returncode == 0, "the snippet runs")
    want = datasets(f"{work}/predictions.h5")["scores"]
    got = np.load(f"{work}/scores.npy")
    check(got.shape == want.shape and np.allclose(got, want, atol=1e-4),
          f"its scores are psml predict's ({np.abs(got - want).max():.1e})")
else:
    sys.exit(f"unknown scenario {scenario}")
