"""What a run records (docs/runs.md), one scenario per call:

  run_records.py PSML MPIEXEC DATA_DIR WORK_DIR SCENARIO

  metrics-allreduce  2 ranks, --run-dir, --log-every: config.toml reads back, every field of every
                     metrics line has the schema's type; the checkpoint stores the same TOML
  metrics-ps         1 server + 2 workers, bsp: the ps fields (staleness, clock gap, bytes)
  trace              --trace on 3 ranks (ps): every rank's track, spans nested and ordered in time
  resume             --resume RUN_FOLDER continues the run: its configuration, its metrics file
  progress           under a pseudo-terminal a live bar redrawn in place; through a pipe plain
                     lines; --quiet prints only the final result
  report             psml report of an allreduce and a ps run: a PNG of the expected size
  owned              a fresh run into a --checkpoint-dir or --run-dir holding another run's files
                     is refused with one line, the first run's files byte for byte intact;
                     --overwrite replaces psml's files there (and leaves the user's)
  lock               two runs started at once on one --run-dir: the second ends within seconds
                     with one line naming the first's pid, the first finishes with its model
                     whole; a run killed with SIGKILL leaves a stale lock that does not block the
                     next (its resume)
"""
import hashlib, json, os, pty, re, select, shutil, signal, struct, subprocess, sys, time, tomllib
from harness import check
from procs import children

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
os.chdir(work)

COMMON = ["--data", f"{data}/train.h5", "--test", f"{data}/test.h5", "--model", "mlp",
          "--hidden", "16,8", "--optimizer", "adam", "--lr", "0.01", "--lr-schedule", "constant",
          "--batch", "64"]


def train(*args, ranks=2, check_rc=True):
    cmd = [mpiexec, "--oversubscribe", "-n", str(ranks), psml, "train", *args]
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    print(p.stdout + p.stderr, flush=True)
    if check_rc:
        check(p.returncode == 0, f"exit code 0 ({p.returncode})")
    return p


def require(cond, what):
    """check() that speaks only on failure: for checks made in a loop."""
    if not cond:
        check(False, what)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


NUMBER = (int, float)
RUN_FIELDS = {"type": str, "started": str, "label": str, "model": str, "mode": str,
              "exchange": str, "ranks": int, "workers": int, "servers": int, "data": str,
              "rows": int, "features": int, "classes": int, "params": int, "global_batch": int,
              "steps_per_epoch": int, "epochs": int, "first_epoch": int, "first_step": int,
              "optimizer": str, "config": str}
LINE_FIELDS = {"type": str, "scope": str, "time_s": NUMBER, "epoch": int, "step": int,
               "train_loss": NUMBER, "samples_per_second": NUMBER, "lr": NUMBER,
               "compute_s": NUMBER, "communication_s": NUMBER, "wait_s": NUMBER,
               "optimizer_s": NUMBER, "bytes_sent": NUMBER, "bytes_received": NUMBER}
EPOCH_FIELDS = {"epoch_s": NUMBER, "steps": int, "test_loss": NUMBER, "test_accuracy": NUMBER}
NULLABLE = ("test_loss", "test_accuracy", "test_rmse", "validation_loss", "validation_accuracy",
            "validation_rmse", "max_clock_gap", "staleness", "consistency")


def check_fields(record, fields):
    for name, kind in fields.items():
        check(name in record and isinstance(record[name], kind),
              f"{record['type']} line: {name} is {kind} ({record.get(name)!r})")
    known = set(RUN_FIELDS) | set(LINE_FIELDS) | set(EPOCH_FIELDS) | set(NULLABLE)
    check(set(record) <= known, f"{record['type']} line: no field outside the schema "
                                f"({sorted(set(record) - known)})")


def check_metrics(path, ps, epochs, log_every, steps_per_epoch):
    lines = records(path)
    run, rest = lines[0], lines[1:]
    check(run["type"] == "run", "the first line describes the run")
    check_fields(run, RUN_FIELDS)
    check(run["mode"] == ("ps" if ps else "allreduce"), f"mode {run['mode']}")
    check((run["consistency"] == "bsp") if ps else run["consistency"] is None, "consistency")
    check(run["steps_per_epoch"] == steps_per_epoch, "steps per epoch")
    tomllib.loads(run["config"])
    epoch_lines = [r for r in rest if r["type"] == "epoch"]
    step_lines = [r for r in rest if r["type"] == "step"]
    check([r["epoch"] for r in epoch_lines] == list(range(1, epochs + 1)), "one line per epoch")
    check(len(step_lines) == epochs * steps_per_epoch // log_every,
          f"a step line every {log_every} steps ({len(step_lines)})")
    for r in step_lines:
        check_fields(r, LINE_FIELDS)
        check(r["scope"] == "worker 0" and r["step"] % log_every == 0, "step line's step")
    for r in epoch_lines:
        check_fields(r, {**LINE_FIELDS, **EPOCH_FIELDS})
        check(r["scope"] == "mean over workers", "epoch line's scope")
        check(0 < r["test_accuracy"] <= 1 and r["test_rmse"] is None, "test accuracy")
        check(r["bytes_sent"] > 0 and r["bytes_received"] > 0, "bytes moved")
        check(r["compute_s"] > 0 and r["communication_s"] > 0, "time split")
        if ps:
            check(isinstance(r["max_clock_gap"], int) and isinstance(r["staleness"], dict),
                  "ps: clock gap and staleness")
            check(sum(r["staleness"].values()) > 0 and "16+" in r["staleness"],
                  f"ps: pushes counted by staleness {r['staleness']}")
        else:
            check(r["max_clock_gap"] is None and r["staleness"] is None, "allreduce: no ps fields")
    times = [r["time_s"] for r in rest]
    check(times == sorted(times), "time_s never goes back")
    check(lines[-1]["lr"] == 0.01, "the learning rate")
    return lines


def inspect(checkpoint):
    p = subprocess.run([psml, "checkpoint", "inspect", checkpoint], capture_output=True,
                       text=True, timeout=60)
    print(p.stdout + p.stderr)
    return p.stdout


if scenario == "metrics-allreduce":
    # 2001 rows, batch 64: 32 steps per epoch (31.3 rounded up).
    train(*COMMON, "--epochs", "2", "--run-dir", "run", "--log-every", "8")
    for name in ("config.toml", "metrics.jsonl", "checkpoints"):
        check(os.path.exists(f"run/{name}"), f"the run folder holds {name}")
    config = tomllib.load(open("run/config.toml", "rb"))
    check(config["epochs"] == 2 and config["hidden"] == [16, 8] and config["mode"] == "allreduce",
          f"config.toml is the effective configuration ({config['epochs']}, {config['hidden']})")
    lines = check_metrics("run/metrics.jsonl", False, 2, 8, 32)
    check(lines[0]["config"] == open("run/config.toml").read().split("\n", 1)[1],
          "the metrics' run line holds config.toml's text")
    shown = inspect("run/checkpoints")
    check('hidden = [16, 8]' in shown and 'optimizer = "adam"' in shown,
          "the checkpoint stores the configuration as TOML")
    # config.toml reads back as a --config file.
    p = train("--config", "run/config.toml", "--epochs", "1", "--run-dir", "again", "--quiet")
    types = [r["type"] for r in records("again/metrics.jsonl")]
    check(types == ["run"] + ["step"] * 4 + ["epoch"], f"config.toml runs again ({types})")

elif scenario == "metrics-ps":
    train(*COMMON, "--epochs", "2", "--mode", "ps", "--metrics", "ps.jsonl", "--log-every", "16",
          ranks=3)
    check_metrics("ps.jsonl", True, 2, 16, 32)

elif scenario == "trace":
    train(*COMMON, "--epochs", "1", "--mode", "ps", "--trace", "trace.json", ranks=3)
    events = json.load(open("trace.json"))["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    check(names == {0: "rank 0: worker 0", 1: "rank 1: worker 1", 2: "rank 2: server 0"},
          f"a track per rank ({names})")
    spans = [e for e in events if e["ph"] == "X"]
    for rank in (0, 1):
        mine = [e for e in spans if e["pid"] == rank]
        kinds = {e["name"] for e in mine}
        for want in ("step", "compute", "forward 1", "forward 3", "backward 1", "push", "pull",
                     "evaluate"):
            check(want in kinds, f"rank {rank} has {want} spans")
        steps = [e for e in mine if e["name"] == "step"]
        check([e["args"]["step"] for e in steps] == list(range(1, 33)), "a step span per step")
        starts = [e["ts"] for e in steps]
        check(all(a + s["dur"] <= b for a, b, s in zip(starts, starts[1:], steps)),
              "steps follow each other in time")
        # Nested: each span lies inside a parent of its kind, of the same step.
        parents = {"compute": ("step",), "push": ("step",), "pull": ("step",),
                   "forward": ("compute", "evaluate"), "backward": ("compute",)}
        for e in mine:
            kind = e["name"].split()[0]
            if kind not in parents or e["args"]["step"] == 0:  # 0: the first pull, before step 1
                continue
            inside = [o for o in mine if o["name"] in parents[kind]
                      and o["args"]["step"] == e["args"]["step"]
                      and o["ts"] <= e["ts"] and e["ts"] + e["dur"] <= o["ts"] + o["dur"] + 0.002]
            require(inside, f"rank {rank}: {e['name']} of step {e['args']['step']} lies inside "
                          f"its {' or '.join(parents[kind])}")
    server = [e for e in spans if e["pid"] == 2]
    check({"apply", "reply"} <= {e["name"] for e in server}, "the server's track: apply, reply")
    # Clocks aligned: a worker's pushes of a step start before the server applies that step.
    first_apply = min(e["ts"] for e in server if e["name"] == "apply" and e["args"]["step"] == 5)
    first_push = min(e["ts"] for e in spans if e["name"] == "push" and e["args"]["step"] == 5)
    check(first_push <= first_apply, "step 5: a push precedes the server's apply on one time axis")

elif scenario == "resume":
    train(*COMMON, "--epochs", "2", "--run-dir", "run")
    p = train("--resume", "run", "--epochs", "3")
    check("resuming from run/checkpoints" in p.stdout, "the run folder's checkpoints are found")
    check(re.findall(r"^epoch +(\d+)/3", p.stdout, re.M) == ["3"],
          "the resumed run trains epoch 3 of its own configuration")
    lines = records("run/metrics.jsonl")
    check([r["type"] for r in lines] == ["run", "epoch", "epoch", "run", "epoch"],
          "the metrics file continues with the resumed run")
    check(lines[3]["first_epoch"] == 2 and lines[-1]["epoch"] == 3, "the resumed run's position")
    check(tomllib.load(open("run/config.toml", "rb"))["epochs"] == 3, "config.toml is updated")

elif scenario == "progress":
    args = [mpiexec, "--oversubscribe", "-n", "2", psml, "train", *COMMON[:-2], "--epochs", "2",
            "--batch", "8"]
    # Under a pseudo-terminal, as a person at a terminal sees it.
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(args[0], args)
    out, deadline = b"", time.time() + 120
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    print(text)
    check(os.waitstatus_to_exitcode(status) == 0, "the run under a pseudo-terminal exits 0")
    bars = re.findall(r"\repoch 1/2 \[[#.]+\] +(\d+)/251 .*?samples/s +loss [0-9.]+ +ETA \d+:\d\d",
                      text)
    check(len(bars) >= 2, f"a live bar, redrawn in place ({len(bars)} draws)")
    check(len(bars) < 251, "redrawn at most 10 times a second, not every step")
    check(re.search(r"^\r?\x1b\[Kepoch +1/2  train_loss", text, re.M) is not None or
          "\r\x1b[Kepoch   1/2  train_loss" in text, "the epoch's line replaces the bar")
    # Through a pipe (a log, CI): the epoch lines only.
    p = train(*COMMON, "--epochs", "2", "--log-every", "10")
    check("\r" not in p.stdout and "ETA" not in p.stdout, "no bar through a pipe")
    check(len(re.findall(r"^step \d+  epoch \d/2", p.stdout, re.M)) == 6, "a line every 10 steps")
    p = train(*COMMON, "--epochs", "2", "--quiet")
    check(p.stdout.strip().splitlines() == [re.search(r"final test accuracy [0-9.]+", p.stdout)[0]],
          "--quiet prints only the final result")

elif scenario == "report":
    train(*COMMON, "--epochs", "3", "--run-dir", "allreduce")
    train(*COMMON, "--epochs", "3", "--run-dir", "ps", "--mode", "ps", ranks=3)
    p = subprocess.run([psml, "report", "allreduce", "ps", "--out", "report.png"],
                       capture_output=True, text=True, timeout=120)
    print(p.stdout + p.stderr)
    check(p.returncode == 0, "psml report of two run folders exits 0")
    for name, size in (("report.png", (1200, 700)), ("report-split.png", (800, 500))):
        head = open(name, "rb").read(24)
        check(head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == size,
              f"{name} is a {size[0]}x{size[1]} PNG")
elif scenario == "owned":
    def digest(folder):
        """Every file under `folder` with the SHA-256 of its bytes."""
        out = {}
        for root, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                out[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
        return out

    def refused(args, folder, option):
        start = time.monotonic()
        p = train(*args, check_rc=False)
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(p.returncode != 0 and len(errors) == 1 and time.monotonic() - start < 30,
              f"refused with one line, exit code {p.returncode}")
        check(f"{option} {folder}: holds another run's files (" in errors[0]
              and f"--resume {folder} continues that run, --overwrite replaces it" in errors[0],
              f"the line names the folder, what it holds and the ways on: {errors[0]}")
        return errors[0]

    SOFTMAX = ["--data", f"{data}/train.h5", "--model", "softmax", "--solver", "sgd", "--lr", "0.1",
               "--epochs", "1"]
    train(*COMMON, "--epochs", "1", "--checkpoint-dir", "ck-mlp")
    before = digest("ck-mlp")
    line = refused(SOFTMAX + ["--checkpoint-dir", "ck-mlp"], "ck-mlp", "--checkpoint-dir")
    check("ckpt-000000000032.h5" in line and "latest" in line, "it lists the checkpoints")
    check(digest("ck-mlp") == before, "the MLP's checkpoint is byte for byte intact")
    check("mlp hidden=16,8" in inspect("ck-mlp"), "and still holds the MLP")

    train(*COMMON, "--epochs", "1", "--run-dir", "run")
    before = digest("run")
    line = refused(SOFTMAX + ["--run-dir", "run"], "run", "--run-dir")
    check("checkpoints/, config.toml, metrics.jsonl" in line, "it lists the run's files")
    check(digest("run") == before, "the run folder is byte for byte intact")
    # --checkpoint-dir into another run folder's checkpoints/: refused as well.
    refused(SOFTMAX + ["--checkpoint-dir", "run/checkpoints"], "run/checkpoints",
            "--checkpoint-dir")

    # --overwrite replaces psml's files, never the user's.
    open("ck-mlp/notes.txt", "w").write("mine")
    train(*SOFTMAX, "--checkpoint-dir", "ck-mlp", "--overwrite")
    check(sorted(os.listdir("ck-mlp")) == ["ckpt-000000000016.h5", "latest", "notes.txt"],  # 16 steps
          f"--overwrite: the new run's checkpoint and the user's file ({os.listdir('ck-mlp')})")
    check("softmax" in inspect("ck-mlp"), "the checkpoint now holds the softmax")
    open("run/notes.txt", "w").write("mine")
    train(*SOFTMAX, "--run-dir", "run", "--overwrite")
    check([r["type"] for r in records("run/metrics.jsonl")] == ["run", "epoch"],
          "--overwrite: metrics.jsonl holds the new run alone")
    check(tomllib.load(open("run/config.toml", "rb"))["model"] == "softmax"
          and os.path.exists("run/notes.txt"), "config.toml is the new run's, notes.txt stays")
    p = train(*SOFTMAX, "--run-dir", "run", "--overwrite", "--resume", "run", check_rc=False)
    check(p.returncode != 0 and "--overwrite replaces another run, --resume continues one"
          in p.stderr, "--overwrite with --resume is refused")

elif scenario == "lock":
    SLOW = dict(os.environ, PSML_FAULT="rank=0 step=* action=sleep ms=80")  # ~2.6 s an epoch

    def start(*args):
        cmd = [mpiexec, "--oversubscribe", "-n", "2", psml, "train", *COMMON, *args]
        print("$", " ".join(cmd), "&", flush=True)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=SLOW)

    def wait_for(path, p):
        deadline = time.monotonic() + 60
        while not os.path.exists(path) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        check(os.path.exists(path), f"{path} appeared")

    first = start("--epochs", "3", "--run-dir", "shared")
    wait_for("shared/config.toml", first)
    ranks = children(first.pid)
    began = time.monotonic()
    second = train(*COMMON, "--epochs", "2", "--run-dir", "shared", check_rc=False)
    took = time.monotonic() - began
    errors = [l for l in second.stderr.splitlines() if l.startswith("psml: error:")]
    check(second.returncode != 0 and len(errors) == 1 and took < 20,
          f"the second run ends with one line, exit code {second.returncode}, in {took:.1f} s")
    m = re.search(r"--run-dir shared: in use by psml pid (\d+) on host \S+ since \S+ \(", errors[0])
    check(m is not None and int(m.group(1)) in ranks and first.poll() is None,
          f"the line names the running first run's rank 0 (pid in {ranks}): {errors[0]}")
    out, err = first.communicate(timeout=120)
    print(out + err, flush=True)
    check(first.returncode == 0 and "model kept in the final checkpoint shared/checkpoints/"
          "ckpt-000000000096.h5" in out, "the first run finishes and keeps its model")
    check("checksums verified" in inspect("shared/checkpoints"), "its checkpoint verifies")
    check([r["type"] for r in records("shared/metrics.jsonl")] == ["run"] + ["epoch"] * 3,
          "its metrics hold the first run alone")
    check(not os.path.exists("shared/.psml.lock"), "a finished run removes its lock")

    # A crashed run: SIGKILL to every rank after its first checkpoint. Its lock file stays, held
    # by no one; the resume takes it over.
    crashed = start("--epochs", "3", "--run-dir", "crashed", "--checkpoint-every", "1epoch")
    wait_for("crashed/checkpoints/latest", crashed)
    for pid in children(crashed.pid):
        os.kill(pid, signal.SIGKILL)
    crashed.communicate(timeout=60)
    check(crashed.returncode != 0 and os.path.exists("crashed/.psml.lock"),
          f"the killed run ended ({crashed.returncode}) leaving its lock file")
    p = train("--resume", "crashed", "--epochs", "2")
    check("resuming from crashed/checkpoints/ckpt-000000000032.h5" in p.stdout,
          "the stale lock does not block the resume")
else:
    sys.exit(f"unknown scenario {scenario}")
