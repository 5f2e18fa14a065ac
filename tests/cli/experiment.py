"""psml experiment: examples/experiments/tiny.toml's grid run point by point (the allreduce points
once, whatever the ps-only consistency axis says), its summary in CSV and JSON lines, its five
plots at their pixel sizes, --resume re-reading the finished points and running a missing or
changed one; a point that fails and one that times out recorded as such while the grid goes on;
the emulated cluster's command line (dry run); an option of one mode dropped from the other's
points (psml train's option rules); a bad grid as one error line.

  experiment.py PSML MPIEXEC DATA_DIR WORK_DIR
"""
import csv, json, math, os, re, shutil, struct, subprocess, sys, time
from harness import check

psml, mpiexec, data, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TINY = os.path.join(ROOT, "examples", "experiments", "tiny.toml")
TINY_IDS = ["mode=allreduce,workers=1", "mode=allreduce,workers=2",
            "mode=ps,workers=1,consistency=bsp", "mode=ps,workers=1,consistency=async",
            "mode=ps,workers=2,consistency=bsp", "mode=ps,workers=2,consistency=async"]
PLOT_SIZES = {"scaling.png": (800, 500), "efficiency.png": (800, 500),
              "staleness.png": (800, 500), "time_to_accuracy.png": (1000, 600),
              "communication_share.png": (1000, 600)}


def experiment(*args):
    """`psml experiment` (which runs training with that same psml) in the test data's folder
    (tiny.toml names train.h5 and test.h5)."""
    cmd = [psml, "experiment", *args, "--mpirun", mpiexec]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=data, capture_output=True, text=True, timeout=240)
    print(p.stdout + p.stderr, flush=True)
    return p


def write_grid(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def read_summary(out):
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "summary.jsonl")) as f:
        records = [json.loads(line) for line in f]
    check([r["id"] for r in rows] == [r["id"] for r in records],
          f"{out}: summary.csv and summary.jsonl hold the same points in the same order")
    return rows, records


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


# The tiny grid: 6 points, each run once, in its own folder.
tiny = os.path.join(work, "tiny")
p = experiment(TINY, "--out", tiny)
check(p.returncode == 0, "the tiny grid runs (exit 0)")
check("6 points: 6 ok, 0 failed, 0 timed out" in p.stdout, "all six points ok")
rows, records = read_summary(tiny)
check([r["id"] for r in records] == TINY_IDS,
      "one point per combination, the allreduce ones once (consistency dropped)")
for column in ("id", "status", "error", "mode", "workers", "servers", "consistency", "ranks",
               "samples_per_second", "time_to_target_s", "final_accuracy", "compute_share",
               "communication_share", "wait_share", "optimizer_share", "bytes_sent_per_step",
               "max_clock_gap", "staleness_mean", "elapsed_s", "run_dir"):
    check(column in rows[0] and all(column in r for r in records), f"summary column {column}")
for r in records:
    ps = r["mode"] == "ps"
    check(r["status"] == "ok" and r["error"] is None and r["epochs"] == 2, f"{r['id']}: ok, 2 epochs")
    check(r["ranks"] == r["workers"] + (1 if ps else 0) and r["servers"] == (1 if ps else 0),
          f"{r['id']}: {r['ranks']} ranks")
    check(r["samples_per_second"] > 0 and r["final_accuracy"] > 0.9, f"{r['id']}: rate, accuracy")
    check(0 < r["time_to_target_s"] < 60, f"{r['id']}: reached 0.9 in {r['time_to_target_s']} s")
    shares = [r[f"{part}_share"] for part in ("compute", "communication", "wait", "optimizer")]
    check(math.isclose(sum(shares), 1.0) and min(shares) >= 0, f"{r['id']}: shares sum to 1")
    check((r["bytes_sent_per_step"] > 0) == (r["ranks"] > 1), f"{r['id']}: bytes per step")
    check((r["staleness_mean"] is not None) == ps and (r["max_clock_gap"] is not None) == ps,
          f"{r['id']}: staleness recorded in ps mode only")
    folder = r["run_dir"]
    check(all(os.path.exists(os.path.join(folder, f))
              for f in ("point.toml", "config.toml", "metrics.jsonl", "output.log", "result.json")),
          f"{r['id']}: its run folder holds point.toml, config.toml, metrics, log, result")
    with open(os.path.join(folder, "point.toml")) as f:
        point_toml = f.read()
    check(("consistency" in point_toml) == ps, f"{r['id']}: consistency given in ps mode only")
row = rows[0]
check(row["status"] == "ok" and row["consistency"] == "" and float(row["samples_per_second"]) > 0,
      "summary.csv: values as text, null as empty")
for name, size in PLOT_SIZES.items():
    check(png_size(os.path.join(tiny, name)) == size, f"{name}: a PNG of {size[0]} x {size[1]} px")

# --resume: nothing to run; then with one run folder gone, that point alone runs again.
metrics = os.path.join(records[0]["run_dir"], "metrics.jsonl")
mtime = os.stat(metrics).st_mtime_ns
p = experiment(TINY, "--out", tiny, "--resume")
check(p.returncode == 0 and p.stdout.count("skipping, done before (--resume)") == 6,
      "--resume skips all six points")
check(os.stat(metrics).st_mtime_ns == mtime, "--resume left the finished runs' metrics alone")
check(read_summary(tiny)[1] == records, "--resume re-reads the same results")
shutil.rmtree(records[4]["run_dir"])
with open(os.path.join(records[2]["run_dir"], "point.toml"), "a") as f:
    f.write("lr = 0.5\n")  # as if the grid had changed this point's options
p = experiment(TINY, "--out", tiny, "--resume")
check(p.returncode == 0 and p.stdout.count("skipping, done before (--resume)") == 4
      and re.search(r"\[3/6\] mode=ps,workers=1,consistency=bsp: ok in", p.stdout)
      and re.search(r"\[5/6\] mode=ps,workers=2,consistency=bsp: ok in", p.stdout),
      "--resume runs the point whose run folder is gone and the one with other options, only them")
check([r["status"] for r in read_summary(tiny)[1]] == ["ok"] * 6, "their results are back")

# A point that fails and one that cannot finish: both recorded, the grid goes on.
bad = os.path.join(work, "bad")
grid = write_grid("bad.toml", f"""
name = "fail-and-timeout"
out = "{bad}"
timeout_s = 4
[base]
data = "{data}/train.h5"
epochs = 1000000
batch = 1
[grid]
mode = ["ps"]
consistency = ["ssp:x", "bsp"]
""")
start = time.monotonic()
p = experiment(grid)
check(p.returncode == 0 and "2 points: 0 ok, 1 failed, 1 timed out" in p.stdout,
      "failed and timed-out points are results, not errors (exit 0)")
check(time.monotonic() - start < 60, "the timed-out point was stopped")
rows, records = read_summary(bad)
check(records[0]["status"] == "failed" and "--consistency: 'ssp:x'" in records[0]["error"]
      and records[0]["error"].startswith("psml: error:"), "the failed point has psml's error")
check(records[1]["status"] == "timeout" and records[1]["error"] == "timed out after 4 s",
      "the point still running after timeout_s is recorded as timeout")
check("staleness.png: skipped" in p.stdout and not os.path.exists(os.path.join(bad, "scaling.png")),
      "plots of what the finished points do not vary are skipped with a note")

# The emulated cluster: a point with a bandwidth runs through cluster/local/run.sh (dry run).
grid = write_grid("net.toml", f"""
out = "{os.path.join(work, 'net')}"
[base]
data = "train.h5"
[grid]
mode = ["allreduce", "ps"]
workers = [2]
bandwidth = ["local", "100mbit"]
hosts = [2]
""")
p = experiment(grid, "--dry-run", "--cluster-run", "run.sh")
lines = p.stdout.splitlines()
check(p.returncode == 0 and len(lines) == 4, "--dry-run prints one command per point")
check(lines[0].startswith(f"mode=allreduce,workers=2,bandwidth=local: {mpiexec} -np 2 ")
      and " train --config " in lines[0] and lines[0].endswith(" --quiet"),
      "a local point runs under mpirun, hosts dropped")
check(lines[3].startswith("mode=ps,workers=2,bandwidth=100mbit,hosts=2: run.sh --hosts 2 "
                          "--rate 100mbit --ranks 3 -- "),
      "a point with a bandwidth runs on the emulated cluster, 2 workers + 1 server")
check(not os.path.exists(os.path.join(work, "net")), "--dry-run runs nothing")

# An option of one mode in a grid of both (psml train --print-option-rules): the allreduce point
# gets it, the ps point runs without it.
out = os.path.join(work, "sparse")
grid = write_grid("sparse.toml", f"""
out = "{out}"
[base]
data = "sparse_train.h5"
model = "logreg"
epochs = 1
sparse-exchange = "sparse"
[grid]
mode = ["allreduce", "ps"]
""")
p = experiment(grid)
rows, _ = read_summary(out)
check(p.returncode == 0 and [r["status"] for r in rows] == ["ok", "ok"],
      f"sparse-exchange with both modes: both points run ({[r['status'] for r in rows]})")
with open(os.path.join(out, "runs", "mode-ps", "point.toml")) as f:
    ps_point = f.read()
with open(os.path.join(out, "runs", "mode-allreduce", "point.toml")) as f:
    allreduce_point = f.read()
check("sparse-exchange" not in ps_point and 'sparse-exchange = "sparse"' in allreduce_point,
      "sparse-exchange dropped from the ps point only")

# A bad grid is one line naming the file and the problem.
grid = write_grid("typo.toml", "[base]\nepoch = 3\n[grid]\nworkers = [1]\n")
p = experiment(grid)
check(p.returncode == 1 and p.stderr == f"psml experiment: error: {grid}: [base] epoch: not a "
      "psml train option (psml train --print-config)\n", "a bad grid: one error line, exit 1")
check(experiment().returncode == 2, "a bad command line: exit 2")
