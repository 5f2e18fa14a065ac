"""psml report: the two figures at their documented pixel sizes from metrics files written to the
schema of docs/runs.md (an allreduce run, and a ps run resumed once), a run folder as argument, the
resumed parts joined into one run, and bad inputs as one error line naming the file.

  report.py PSML WORK_DIR
"""
import json, os, re, shutil, subprocess, sys
from harness import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps",
                                "report"))
import psml_report  # noqa: E402 (the script psml report runs, for its reading of runs)

psml, work = sys.argv[1:3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
STEPS_PER_EPOCH = 16


def report(*args):
    cmd = [psml, "report", *args]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    print(p.stdout + p.stderr, flush=True)
    return p


def run_record(label, mode, first_epoch=0, epochs=3):
    ps = mode == "ps"
    return {
        "type": "run", "started": "2026-12-03T07:50:00Z", "label": label,
        "model": "mlp 20 -> 16 -> 3", "mode": mode,
        "exchange": "ps: 1 server + 2 workers, bsp, keys in ranges" if ps
                    else "allreduce over shared memory",
        "consistency": "bsp" if ps else None, "ranks": 3 if ps else 2, "workers": 2,
        "servers": 1 if ps else 0, "data": "train.h5", "rows": 2048, "features": 20,
        "classes": 3, "params": 387, "global_batch": 128, "steps_per_epoch": STEPS_PER_EPOCH,
        "epochs": epochs, "first_epoch": first_epoch, "first_step": first_epoch * STEPS_PER_EPOCH,
        "optimizer": "adam lr 0.01, constant", "config": 'model = "mlp"\nhidden = [16]\n',
    }


def progress(kind, mode, epoch, time_s):
    """A step line (worker 0, the epoch's middle) or an epoch line (the epoch's end)."""
    ps = mode == "ps"
    step = epoch * STEPS_PER_EPOCH - (STEPS_PER_EPOCH // 2 if kind == "step" else 0)
    steps = STEPS_PER_EPOCH if kind == "epoch" else STEPS_PER_EPOCH // 2
    record = {
        "type": kind, "scope": "mean over workers" if kind == "epoch" else "worker 0",
        "time_s": time_s, "epoch": epoch, "step": step,
        "train_loss": (1.1 if ps else 1.0) / (epoch + 1),
        "samples_per_second": (7000.0 if ps else 9000.0) + 100 * epoch, "lr": 0.01,
        "compute_s": 0.002 * steps, "communication_s": (0.0015 if ps else 0.0008) * steps,
        "wait_s": 0.0003 * steps, "optimizer_s": 0.0002 * steps,
        "bytes_sent": 1548.0 * steps, "bytes_received": 1548.0 * steps,
        "max_clock_gap": 1 if ps else None,
        "staleness": {"0": 2 * steps, "1": 0, "16+": 0} if ps else None,
    }
    if kind == "epoch":
        record.update(test_loss=(1.3 if ps else 1.2) / (epoch + 1),
                      test_accuracy=(0.55 if ps else 0.6) + 0.1 * epoch, test_rmse=None,
                      epoch_s=epoch_seconds(mode))
    return record


def write_jsonl(path, records):
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return path


def epoch_seconds(mode):
    return 0.75 if mode == "ps" else 0.6


def run_lines(label, mode, epochs, first_epoch=0):
    lines = [run_record(label, mode, first_epoch, first_epoch + len(epochs))]
    for i, epoch in enumerate(epochs):
        t = epoch_seconds(mode) * (i + 1)  # a resumed part starts its clock again
        lines += [progress("step", mode, epoch, t - 0.3), progress("epoch", mode, epoch, t)]
    return lines


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; None if the file does not start as a PNG does."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


allreduce = write_jsonl(os.path.join(work, "allreduce.jsonl"),
                        run_lines("mlp 16 allreduce 2 ranks", "allreduce", [1, 2, 3]))
# The ps run stopped after epoch 2 and was resumed for epoch 3: two parts, one run.
ps_dir = os.path.join(work, "ps-run")
os.makedirs(ps_dir)
ps = write_jsonl(os.path.join(ps_dir, "metrics.jsonl"),
                 run_lines("mlp 16 ps 1+2", "ps", [1, 2]) + run_lines("mlp 16 ps 1+2", "ps", [3], 2))

out = os.path.join(work, "report.png")
p = report(allreduce, ps, "--out", out)
check(p.returncode == 0, f"psml report of two runs exits 0 ({p.returncode})")
for path, size in ((out, (1200, 700)), (os.path.join(work, "report-split.png"), (800, 500))):
    check(os.path.exists(path) and png_size(path) == size,
          f"{os.path.basename(path)} is a {size[0]} x {size[1]} PNG "
          f"({png_size(path) if os.path.exists(path) else 'missing'})")

out = os.path.join(work, "folder.png")
p = report(ps_dir, "--out", out)
check(p.returncode == 0 and png_size(out) == (1200, 700)
      and png_size(os.path.join(work, "folder-split.png")) == (800, 500),
      "a run folder (holding metrics.jsonl) as argument plots")

# The resumed run's parts are one run: epochs 1..3, its third epoch 0.75 s after the second.
run = psml_report.read_run(ps_dir)
check([e.epoch for e in run.epochs] == [1, 2, 3]
      and [round(e.wall_s, 6) for e in run.epochs] == [0.75, 1.5, 2.25],
      f"a resumed run continues: epochs {[e.epoch for e in run.epochs]}, "
      f"wall times {[e.wall_s for e in run.epochs]}")
check(run.epochs[0].split_s == (0.002, 0.0015, 0.0003, 0.0002),
      f"the split is per step ({run.epochs[0].split_s})")
twin = write_jsonl(os.path.join(work, "twin.jsonl"), run_lines("mlp 16 ps 1+2", "ps", [1]))
labels = psml_report.legend_labels([run, psml_report.read_run(twin)])
check(labels == ["mlp 16 ps 1+2 (ps-run)", "mlp 16 ps 1+2 (twin.jsonl)"],
      f"runs sharing a label are told apart by folder or file name ({labels})")


def check_error(args, pattern, what):
    p = report(*args, "--out", os.path.join(work, "never.png"))
    lines = p.stderr.splitlines()
    check(p.returncode == 1 and len(lines) == 1 and re.fullmatch(pattern, lines[0]) is not None,
          f"{what}: exit 1 and one line matching {pattern!r} (exit {p.returncode}, {lines})")


only_run = write_jsonl(os.path.join(work, "only_run.jsonl"), [run_record("x", "allreduce")])
check_error([allreduce, only_run],
            f"psml report: error: {re.escape(only_run)}: has no epoch records: nothing to plot",
            "a metrics file with only a run record")
missing = os.path.join(work, "nope.jsonl")
check_error([missing], f"psml report: error: {re.escape(missing)}: no such file",
            "a path that does not exist")
empty_dir = os.path.join(work, "empty-run")
os.makedirs(empty_dir)
check_error([empty_dir], f"psml report: error: {re.escape(empty_dir)}: no metrics.jsonl.*",
            "a folder without metrics.jsonl")
lines = [json.dumps(r) for r in run_lines("x", "allreduce", [1])]
not_json = os.path.join(work, "not_json.jsonl")
with open(not_json, "w") as f:
    f.write("\n".join(lines[:2]) + '\n{"type": "epoch", "time_s": 0.6,\n')
check_error([not_json], f"psml report: error: {re.escape(not_json)}: line 3: not JSON \\(.*\\)",
            "a line that is not JSON")
# A last line without its newline was cut short by a stopped run: left out, the rest plotted.
cut = os.path.join(work, "cut.jsonl")
with open(cut, "w") as f:
    f.write("\n".join(lines) + '\n{"type": "epoch", "time_s": 1.')
out = os.path.join(work, "cut.png")
p = report(cut, "--out", out)
check(p.returncode == 0 and png_size(out) == (1200, 700)
      and len(psml_report.read_run(cut).epochs) == 1,
      "a last line cut short by a stopped run is left out")
record = progress("epoch", "allreduce", 1, 0.6)
del record["compute_s"]
no_field = write_jsonl(os.path.join(work, "no_field.jsonl"), [run_record("x", "allreduce"), record])
check_error([no_field],
            f"psml report: error: {re.escape(no_field)}: line 2: epoch record has no 'compute_s'",
            "an epoch record without a required field")
p = report("--out", os.path.join(work, "never.png"))
check(p.returncode == 2 and p.stderr.splitlines()[-1] ==
      "psml report: error: the following arguments are required: RUN_DIR_OR_METRICS",
      "no run given: a usage error, exit 2")

p = subprocess.run([psml, "report", allreduce, "--out", os.path.join(work, "never.png")],
                   env=dict(os.environ, PSML_PYTHON=os.path.join(work, "no-python")),
                   capture_output=True, text=True, timeout=60)
check(p.returncode == 1 and p.stderr.startswith(
          f"psml: error: cannot run {os.path.join(work, 'no-python')} (No such file or directory): "
          "psml report needs Python 3 with matplotlib"),
      f"an interpreter that cannot run is one error line ({p.stderr.strip()})")
print("PASS")
