"""Checkpoints end to end, with real mpirun runs. One scenario per argument:

  checkpoints.py PSML MPIEXEC DATA WORKDIR SCENARIO

  resume-allreduce   2 epochs + resume + 2 epochs == 4 epochs in one go, bit for bit (allreduce)
  resume-stream      the same with streamed data (--data-memory), resumed in the middle of an epoch
  resume-bsp         the same in parameter-server mode (bsp, 2 servers + 2 workers)
  reshard            saved by 2 servers + 2 workers; resumed on 3 servers + 1 worker and in
                     allreduce mode on 4 ranks, and saved in allreduce mode, resumed in ps mode:
                     training continues at the same loss as the uninterrupted run
  crash              the writer is killed between two datasets of the second checkpoint: the job
                     fails, the first checkpoint and `latest` stay intact, resuming finishes the run
  damaged            the newest checkpoint is corrupted: resume falls back to the previous one and
                     says so; a truncated file given directly is refused
  mismatch           resuming with another model or optimizer: one clear error naming the file
                     and both values, nothing overwritten
  resume-config      --resume CKPT_DIR (or a checkpoint file) with no model options continues
                     with the configuration the checkpoint stores; an option a resume may not
                     change, given another value, is one error naming both; one it may (--epochs,
                     the layout) is taken
  h5py               a checkpoint read with h5py holds what docs/checkpoints.md says; keep-last-K works
  kill               kill -9 of a worker, then of a server, in the middle of a 4-rank ps run: the
                     job ends within 10 s, non-zero; the last checkpoint verifies; resuming finishes
  sigterm            SIGTERM to every rank (Slurm pre-emption), SIGINT to every rank in ps mode,
                     SIGTERM to mpirun: the ranks agree on a step, write a checkpoint there and
                     exit non-zero with one line saying so; the checkpoint verifies; resume finishes
  grace              SIGTERM, but the final checkpoint cannot be finished within --grace-seconds:
                     the ranks exit non-zero when it runs out, the previous checkpoint stays
  disk-full          the writer's file-size limit (RLIMIT_FSIZE) is hit in the middle of the second
                     checkpoint: one error naming the file and 'File too large', non-zero exit
                     within seconds, the previous checkpoint and `latest` untouched, no temp file;
                     in ps mode (one server's part of the parallel write fails) the job ends
                     within the --ps-deadline, the previous checkpoint intact, resume finishes
  model-file         --save-model writes a checkpoint-format file (allreduce sgd, closed form, ps,
                     sparse ps) that checkpoint inspect, eval and predict read; every run says where
                     its model went; a --resume without --checkpoint-dir keeps checkpointing there
  schedule           optimizer time is the global step in every mode: an async run's checkpoint
                     records optimizer_step = global_step, and resuming it in allreduce mode goes on
                     from that step
  diverge            a worker's gradient turns NaN in epoch 2 while its loss is still finite (in
                     allreduce mode and in ps mode): the run stops at that step with one error
                     naming it, before any rank or server applies it; the epoch-1 checkpoint stays
                     `latest`, verifies and holds finite parameters; resuming finishes the run
"""
import glob, os, re, shutil, signal, subprocess, sys, time
import h5py
from procs import children
import numpy as np
from harness import check, logged_run

psml, mpiexec, data, work, scenario = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
# A constant rate: a schedule over the run's epochs (cosine) makes 2 epochs + 2 resumed another
# run than 4 in one go.
MODEL = ["--data", f"{data}/train.h5", "--test", f"{data}/test.h5", "--model", "mlp", "--hidden", "16",
         "--optimizer", "adam", "--lr", "0.01", "--lr-schedule", "constant", "--batch", "64"]
PS = ["--mode", "ps", "--servers", "2"]


def run(ranks, *args, env=None, expect_ok=True):
    model = list(MODEL)
    for option in ("--hidden", "--lr-schedule"):  # this run's value replaces the default one
        if option in args:
            i = model.index(option)
            del model[i:i + 2]
    p = logged_run([mpiexec, "--oversubscribe", "-n", str(ranks), psml, "train", *model, *args],
                   env=env)
    if expect_ok and p.returncode != 0:
        sys.exit(f"FAIL: exit code {p.returncode}")
    if not expect_ok and p.returncode == 0:
        sys.exit("FAIL: expected a failure")
    return p


def params(path):
    with h5py.File(path) as f:
        return f["params"][:]


def train_losses(p):
    return [float(x) for x in re.findall(r"epoch +\d+/\d+ +train_loss ([0-9.]+)", p.stdout)]


def verify(path):
    p = subprocess.run([psml, "checkpoint", "inspect", path], capture_output=True, text=True,
                       timeout=60)
    print(p.stdout + p.stderr, flush=True)
    check(p.returncode == 0 and "checksums verified" in p.stdout, f"{path} verifies")


def listing(d):
    return sorted((f, os.path.getsize(os.path.join(d, f)), os.path.getmtime(os.path.join(d, f)))
                  for f in os.listdir(d))


if scenario in ("resume-allreduce", "resume-bsp"):
    layout = ([2], []) if scenario == "resume-allreduce" else ([4], PS)
    ranks, extra = layout[0][0], layout[1]
    ck = f"{work}/ck"
    run(ranks, *extra, "--epochs", "2", "--checkpoint-dir", ck)
    run(ranks, *extra, "--epochs", "4", "--resume", ck, "--save-params", f"{work}/resumed.h5")
    run(ranks, *extra, "--epochs", "4", "--save-params", f"{work}/straight.h5")
    a, b = params(f"{work}/resumed.h5"), params(f"{work}/straight.h5")
    check(np.array_equal(a, b), f"2 + 2 epochs equal 4 epochs bit for bit (max difference {np.abs(a - b).max()})")

elif scenario == "resume-stream":
    # Streamed training data: a run resumed from a checkpoint in the middle of an epoch (its
    # windows read afresh from that step) ends bit for bit where the uninterrupted run ends.
    stream = ["--data-memory", "32KiB"]
    ck = f"{work}/ck_stream"
    run(2, *stream, "--epochs", "2", "--checkpoint-dir", ck, "--checkpoint-every", "10steps",
        "--checkpoint-keep", "10")
    middle = f"{ck}/ckpt-000000000050.h5"
    check(os.path.exists(middle), f"{middle} was written (epoch 2, step 18 of 32)")
    run(2, *stream, "--epochs", "3", "--resume", middle, "--save-params", f"{work}/resumed.h5")
    run(2, *stream, "--epochs", "3", "--save-params", f"{work}/straight.h5")
    a, b = params(f"{work}/resumed.h5"), params(f"{work}/straight.h5")
    check(np.array_equal(a, b), f"resumed at step 50 equals uninterrupted, bit for bit (max difference {np.abs(a - b).max()})")

elif scenario == "reshard":
    # The same global batches on every layout, so that the losses compare.
    MODEL += ["--batch-order", "global"]
    straight = train_losses(run(4, *PS, "--epochs", "3"))
    ck = f"{work}/ck_ps"
    run(4, *PS, "--epochs", "2", "--checkpoint-dir", ck)
    for ranks, extra, name in ((4, ["--mode", "ps", "--servers", "3"], "3 servers + 1 worker"),
                               (4, ["--mode", "allreduce"], "allreduce on 4 ranks"),
                               (3, ["--mode", "ps", "--servers", "1"], "1 server + 2 workers")):
        # Each resumed run writes its own checkpoints elsewhere: the next one resumes from ck too.
        loss = train_losses(run(ranks, *extra, "--epochs", "3", "--resume", ck,
                                "--checkpoint-dir", f"{work}/{name}"))
        check(len(loss) == 1 and abs(loss[0] - straight[2]) <= 1e-3 * straight[2] + 1e-6,
              f"resumed on {name}: epoch 3 train loss {loss} vs {straight[2]} uninterrupted")
    ck2 = f"{work}/ck_ar"
    run(2, "--epochs", "2", "--checkpoint-dir", ck2)
    loss = train_losses(run(4, *PS, "--epochs", "3", "--resume", ck2))
    check(len(loss) == 1 and abs(loss[0] - straight[2]) <= 1e-3 * straight[2] + 1e-6,
          f"allreduce checkpoint resumed in ps mode: epoch 3 train loss {loss} vs {straight[2]}")

elif scenario == "crash":
    for ranks, extra, writer in ((2, [], "0"), (4, PS, "2")):
        ck = f"{work}/crash_{ranks}"
        p = run(ranks, *extra, "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch",
                env={"PSML_FAULT": f"rank={writer} checkpoint=3 action=kill"}, expect_ok=False)
        latest = open(f"{ck}/latest").read().strip()
        check(latest == "ckpt-000000000032.h5", f"latest still names the first checkpoint ({latest})")
        check(sorted(glob.glob(f"{ck}/ckpt-*.h5")) == [f"{ck}/ckpt-000000000032.h5"],
              "no second checkpoint appeared")
        p = run(ranks, *extra, "--epochs", "3", "--checkpoint-dir", ck, "--resume", ck)
        check("resuming from " in p.stdout and "ckpt-000000000032.h5" in p.stdout,
              "resuming from the surviving checkpoint finishes the run")

elif scenario == "damaged":
    ck = f"{work}/ck"
    run(2, "--epochs", "2", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch")
    newest = f"{ck}/ckpt-000000000064.h5"
    with h5py.File(newest, "r+") as f:  # flip one parameter: the file stays valid HDF5
        f["params"][7] = f["params"][7] + 1.0
    p = run(2, "--epochs", "3", "--resume", ck)
    check("does not match its checksum" in p.stdout and "resuming from" in p.stdout
          and "ckpt-000000000032.h5" in p.stdout, "a damaged newest checkpoint is skipped, and said so")
    with open(newest, "rb") as f:
        head = f.read(2000)
    with open(f"{work}/truncated.h5", "wb") as f:
        f.write(head)
    p = run(2, "--epochs", "3", "--resume", f"{work}/truncated.h5", expect_ok=False)
    errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
    check(len(errors) == 1 and "truncated.h5" in errors[0], f"a truncated file is refused: {errors}")

elif scenario == "mismatch":
    ck = f"{work}/ck"
    run(2, "--epochs", "1", "--checkpoint-dir", ck)
    before = listing(ck)
    for args, text in ((["--hidden", "32"], "--hidden 32: the run --resume continues has --hidden 16 ("),
                       (["--optimizer", "sgd"], "--optimizer sgd: the run --resume continues has --optimizer adam (")):
        bad = list(MODEL)
        bad[bad.index(args[0]) + 1] = args[1]
        cmd = [mpiexec, "--oversubscribe", "-n", "2", psml, "train", *bad, "--epochs", "2",
               "--resume", ck, "--checkpoint-dir", ck]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        print(p.stdout + p.stderr)
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(p.returncode != 0 and len(errors) == 1 and text in errors[0] and "ckpt-" in errors[0],
              f"{args}: one error naming the file: {errors}")
    check(listing(ck) == before, "nothing in the checkpoint directory changed")

elif scenario == "h5py":
    ck = f"{work}/ck"
    run(4, *PS, "--epochs", "4", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch",
        "--checkpoint-keep", "2")
    files = sorted(os.path.basename(f) for f in glob.glob(f"{ck}/ckpt-*.h5"))
    check(files == ["ckpt-000000000096.h5", "ckpt-000000000128.h5"], f"the last 2 are kept: {files}")
    with h5py.File(f"{ck}/ckpt-000000000128.h5") as f:
        a = dict(f.attrs)
        check(f["params"].shape == (404,) and f["optimizer_state"].shape == (2, 404),
              "params [P] and optimizer_state [slots, P]")
        for key, want in (("epoch", 4), ("global_step", 128), ("optimizer_step", 128),
                          ("servers", 2), ("workers", 2), ("features", 20), ("num_classes", 4)):
            check(a[key] == want, f"attribute {key} = {a[key]}")
        for key in ("model", "optimizer", "config", "psml_version", "format", "seed", "created",
                    "step_in_epoch", "task", "mode", "world_size"):
            check(key in a, f"attribute {key} present")
        check("checksum" in f["params"].attrs and "checksum" in f["optimizer_state"].attrs,
              "every dataset has a checksum")
        check(list(f["worker_clocks"][:]) == [128, 128], f"worker clocks {list(f['worker_clocks'][:])}")
elif scenario == "kill":
    # The kill waits for the event the checks depend on: under bsp, no worker computes step 40
    # (and no server sees its first push) before every worker received the parameters of step
    # 39, and worker 0 sent its push of step 33 only after the servers confirmed the epoch-1
    # checkpoint committed. The run must have ended by that kill, not by anything earlier.
    for victim, what in ((1, "a worker"), (3, "a server")):
        ck = f"{work}/kill_{victim}"
        start = time.monotonic()
        p = run(4, *PS, "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch",
                env={"PSML_FAULT": f"rank={victim} step=40 action=kill",
                     "OMPI_MCA_orte_execute_quiet": "0"},  # mpirun names the killed rank
                expect_ok=False)
        elapsed = time.monotonic() - start
        check(re.search(rf"rank {victim} .*(signal 9|Killed)", p.stdout + p.stderr) is not None,
              f"the job ended because {what} (rank {victim}) was killed")
        check("checkpoint " in p.stdout and "ckpt-000000000032.h5" in p.stdout,
              "the epoch-1 checkpoint was confirmed before the kill")
        check(elapsed < 10, f"kill -9 of {what}: the job ended in {elapsed:.1f} s")
        check(open(f"{ck}/latest").read().strip() == "ckpt-000000000032.h5",
              "latest names the checkpoint of epoch 1")
        verify(f"{ck}/ckpt-000000000032.h5")
        p = run(4, *PS, "--epochs", "3", "--checkpoint-dir", ck, "--resume", ck)
        check("resuming from " in p.stdout and "epoch   3/3" in p.stdout,
              f"resuming after {what} was killed finishes the run")

elif scenario == "sigterm":
    cases = ((2, [], signal.SIGTERM, "ranks", "SIGTERM", 143),
             (4, PS, signal.SIGINT, "ranks", "SIGINT", 130),
             (2, [], signal.SIGTERM, "mpirun", "SIGTERM", None))
    for ranks, extra, sig, target, name, code in cases:
        ck = f"{work}/{name}_{target}_{ranks}"
        # rank 0 sleeps 30 ms a step (1 s an epoch) so the signal lands in the middle of epoch 2
        cmd = [mpiexec, "--oversubscribe", "-n", str(ranks), psml, "train", *MODEL, *extra,
               "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch"]
        print("$", " ".join(cmd), f"  (then {name} to {target})", flush=True)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, PSML_FAULT="rank=0 step=* action=sleep ms=30"))
        while not os.path.exists(f"{ck}/latest") and p.poll() is None:
            time.sleep(0.02)
        time.sleep(0.3)  # in epoch 2; mpirun passes a signal on ~1 s later
        if target == "mpirun":
            os.kill(p.pid, sig)  # mpirun passes SIGTERM on to the ranks (and SIGKILL 1 s later)
        else:  # what Slurm does: every rank gets the signal
            for pid in children(p.pid):
                os.kill(pid, sig)
        sent = time.monotonic()
        out, err = p.communicate(timeout=60)
        print(out + err, flush=True)
        elapsed = time.monotonic() - sent
        check(p.returncode != 0 and (code is None or p.returncode == code),
              f"{name} to {target}: exit code {p.returncode}, {elapsed:.1f} s after the signal")
        m = re.search(rf"^psml: stopped by {name} at epoch [23] step (\d+) \(global step (\d+)\); "
                      rf"checkpoint written to (\S+)$", err, re.M)
        check(m is not None, "one line says where it stopped and which checkpoint it wrote")
        step = int(m.group(2))
        check(32 < step < 96 and m.group(3).endswith(f"ckpt-{step:012d}.h5"),
              f"the checkpoint is at the stop step {step}")
        check(open(f"{ck}/latest").read().strip() == f"ckpt-{step:012d}.h5", "latest names it")
        verify(m.group(3))
        p = run(ranks, *extra, "--epochs", "3", "--resume", ck)
        check(f"resuming from {m.group(3)}" in p.stdout and "epoch   3/3" in p.stdout,
              "resuming from it finishes the run")

elif scenario == "grace":
    # The final checkpoint cannot be finished within --grace-seconds (its writer is held 5 s):
    # the ranks exit when the grace period runs out, and the previous checkpoint stays.
    ck = f"{work}/ck"
    cmd = [mpiexec, "--oversubscribe", "-n", "2", psml, "train", *MODEL, "--epochs", "3",
           "--checkpoint-dir", ck, "--checkpoint-every", "1epoch", "--grace-seconds", "1"]
    print("$", " ".join(cmd), "  (then SIGTERM to the ranks)", flush=True)
    fault = "rank=0 step=* action=sleep ms=30; rank=0 checkpoint=3 action=sleep ms=5000"
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, PSML_FAULT=fault))
    while not os.path.exists(f"{ck}/latest") and p.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)
    for pid in children(p.pid):
        os.kill(pid, signal.SIGTERM)
    sent = time.monotonic()
    out, err = p.communicate(timeout=60)
    print(out + err, flush=True)
    elapsed = time.monotonic() - sent
    check(p.returncode != 0 and elapsed < 10,
          f"exit code {p.returncode}, {elapsed:.1f} s after the signal (grace 1 s)")
    check("grace period after the stop signal ran out" in err, "it says the grace period ran out")
    check(open(f"{ck}/latest").read().strip() == "ckpt-000000000032.h5", "latest untouched")
    check(sorted(glob.glob(f"{ck}/ckpt-*.h5")) == [f"{ck}/ckpt-000000000032.h5"],
          "no unfinished checkpoint appeared")
    verify(f"{ck}/ckpt-000000000032.h5")
    p = run(2, "--epochs", "3", "--resume", ck)
    check("resuming from " in p.stdout and "epoch   3/3" in p.stdout, "resuming finishes the run")

elif scenario == "disk-full":
    ck = f"{work}/ck"
    p = run(2, "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch", "--hidden", "64",
            env={"PSML_FAULT": "rank=0 step=40 action=fsize bytes=4096"}, expect_ok=False)
    errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
    check(len(errors) == 1 and ".ckpt-000000000064.h5.tmp" in errors[0]
          and "File too large" in errors[0], f"one error naming the file and the problem: {errors}")
    check("received signal" not in p.stderr and "Segmentation" not in p.stderr,
          "no rank crashed on the way out")
    check(sorted(os.listdir(ck)) == ["ckpt-000000000032.h5", "latest"],
          f"only the previous checkpoint and latest remain, no temp file: {sorted(os.listdir(ck))}")
    check(open(f"{ck}/latest").read().strip() == "ckpt-000000000032.h5", "latest untouched")
    verify(f"{ck}/ckpt-000000000032.h5")

    # Parameter-server mode: one server's part of the parallel write fails. Parallel HDF5 may then
    # hang in its collective close; the servers' watchdog (--ps-deadline) ends the job.
    ck = f"{work}/ck_ps"
    start = time.monotonic()
    p = run(4, *PS, "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch",
            "--hidden", "64", "--ps-deadline", "5",
            env={"PSML_FAULT": "rank=3 step=40 action=fsize bytes=4096"}, expect_ok=False)
    elapsed = time.monotonic() - start
    errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
    check(elapsed < 40 and errors and any("File too large" in e or "--deadline" in e for e in errors),
          f"ps mode: the job ends in {elapsed:.1f} s with an error naming the cause: {errors}")
    check(open(f"{ck}/latest").read().strip() == "ckpt-000000000032.h5", "ps mode: latest untouched")
    check(sorted(glob.glob(f"{ck}/ckpt-*.h5")) == [f"{ck}/ckpt-000000000032.h5"],
          "ps mode: no new checkpoint appeared")
    verify(f"{ck}/ckpt-000000000032.h5")
    p = run(4, *PS, "--epochs", "3", "--hidden", "64", "--checkpoint-dir", ck, "--resume", ck)
    check("resuming from " in p.stdout, "ps mode: resuming from the previous checkpoint finishes")

elif scenario == "diverge":
    for extra, name, reporter in (([], "allreduce", ""), (PS, "ps", "rank 1: ")):
        ck = f"{work}/ck_{name}"
        p = run(4, *extra, "--epochs", "3", "--checkpoint-dir", ck, "--checkpoint-every", "1epoch",
                env={"PSML_FAULT": "rank=1 step=40 action=nan"}, expect_ok=False)
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(len(errors) == 1 and errors[0].startswith(
                  f"psml: error: {reporter}training diverged: the gradient is not finite")
              and "at epoch 2 step 8 " in errors[0], f"{name}: one error naming the step: {errors}")
        # (A job ended by the failing rank's abort leaves its folder lock behind, stale.)
        files = sorted(set(os.listdir(ck)) - {".psml.lock"})
        check(files == ["ckpt-000000000032.h5", "latest"]
              and open(f"{ck}/latest").read().strip() == "ckpt-000000000032.h5",
              f"{name}: the epoch-1 checkpoint is the last one: {files}")
        verify(f"{ck}/ckpt-000000000032.h5")
        check(np.isfinite(params(f"{ck}/ckpt-000000000032.h5")).all(), f"{name}: its parameters are finite")
        p = run(4, *extra, "--epochs", "3", "--resume", ck)
        check("resuming from " in p.stdout and "epoch   3/3" in p.stdout,
              f"{name}: resuming finishes the run")

elif scenario == "model-file":
    def ok(*cmd):
        p = subprocess.run([mpiexec, "--oversubscribe", *cmd], capture_output=True, text=True,
                           timeout=120)
        print(" ".join(cmd) + "\n" + p.stdout + p.stderr, flush=True)
        check(p.returncode == 0, f"{' '.join(cmd[2:5])} succeeds")
        return p.stdout
    REG = ["--data", f"{data}/regression_train.h5", "--test", f"{data}/regression_test.h5",
           "--model", "linreg"]
    SPARSE = ["--data", f"{data}/sparse_train.h5", "--test", f"{data}/sparse_test.h5", "--mode",
              "ps", "--model", "logreg", "--optimizer", "adagrad", "--lr", "0.1", "--servers", "2"]
    cases = (("allreduce", 2, ["train", *MODEL, "--epochs", "1"], "test.h5"),
             ("exact", 2, ["train", *REG, "--solver", "exact"], "regression_test.h5"),
             ("ps", 4, ["train", *MODEL, *PS, "--epochs", "1"], "test.h5"),
             ("sparse", 4, ["train", *SPARSE, "--epochs", "1"], "sparse_test.h5"))
    for name, ranks, args, test in cases:
        model = f"{work}/{name}/model.h5"
        out = ok("-n", str(ranks), psml, *args, "--save-model", model)
        check(f"model saved to {model}" in out, f"{name}: the run says where its model went")
        verify(model)
        check(sorted(os.listdir(f"{work}/{name}")) == ["model.h5"], f"{name}: nothing else written")
        if test:
            e = ok("-n", "3", psml, "eval", "--model-file", model, "--data", f"{data}/{test}")
            check(re.search(r"^(accuracy|rmse) [0-9.]+$", e, re.M) is not None, f"{name}: eval reads it")
            out = ok("-n", "2", psml, "predict", "--model-file", model, "--data",
                     f"{data}/{test}", "--out", f"{work}/{name}.predictions.h5")
            with h5py.File(f"{work}/{name}.predictions.h5") as f:
                logits = "probabilities" in f
                check(logits == (test != "regression_test.h5"),
                      f"{name}: a classifier's predictions hold probabilities")
                check(("/probabilities (softmax of the scores" in out) == logits,
                      f"{name}: predict says which dataset is which")
                if logits:
                    p, ids = f["probabilities"][:], f["predictions"][:]
                    check(np.allclose(p.sum(axis=1), 1, atol=1e-5) and (p.argmax(axis=1) == ids).all(),
                          f"{name}: each row's probabilities sum to 1, the largest is the prediction")
    # A run that keeps nothing says so; a resumed one goes on writing where it came from.
    out = ok("-n", "2", psml, "train", *MODEL, "--epochs", "1")
    check("the trained model was not kept" in out, "a run without --save-model says nothing was kept")
    ck = f"{work}/resume"
    run(2, "--epochs", "1", "--checkpoint-dir", ck)
    out = run(2, "--epochs", "2", "--resume", ck).stdout
    check(f"model kept in the final checkpoint {ck}/ckpt-000000000064.h5" in out
          and os.path.exists(f"{ck}/ckpt-000000000064.h5"),
          "--resume without --checkpoint-dir writes its final checkpoint into the resumed directory")
    before = listing(ck)
    out = run(2, "--epochs", "2", "--resume", ck).stdout
    check("nothing to train: " in out and "is at epoch 2 and --epochs is 2" in out
          and listing(ck) == before, "a resume with nothing to do says so and writes nothing")

elif scenario == "schedule":
    def attrs(path):
        with h5py.File(path) as f:
            return int(f.attrs["global_step"]), int(f.attrs["optimizer_step"])
    ck = f"{work}/ck"
    sched = ["--lr-schedule", "step", "--lr-step-size", "20", "--lr-gamma", "0.5"]
    run(4, *PS, "--consistency", "async", *sched, "--epochs", "1", "--checkpoint-dir", ck)
    g, o = attrs(f"{ck}/ckpt-000000000032.h5")
    check((g, o) == (32, 32), f"async, 2 workers: optimizer_step {o} is the global step {g}")
    # The checkpoint's --consistency async applies to ps mode only: left out in allreduce mode.
    run(2, *sched, "--epochs", "2", "--resume", ck, "--mode", "allreduce")
    g, o = attrs(f"{ck}/ckpt-000000000064.h5")
    check((g, o) == (64, 64), f"resumed in allreduce mode: optimizer_step {o}, global step {g}")

elif scenario == "resume-config":
    def model_of(path):
        with h5py.File(path) as f:
            text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
            return text(f.attrs["model"]), text(f.attrs["optimizer"]), int(f.attrs["global_step"])
    ck = f"{work}/ck"
    run(2, "--epochs", "1", "--checkpoint-dir", ck, "--l2", "1e-4")
    # Nothing but --resume and what a resume may change: the model, optimizer, data come back.
    p = logged_run([mpiexec, "--oversubscribe", "-n", "3", psml, "train", "--resume", ck,
                    "--epochs", "2"])
    check(p.returncode == 0 and "resuming from " in p.stdout and "epoch   2/2" in p.stdout,
          "--resume CKPT_DIR alone continues the run")
    model, optimizer, step = model_of(f"{ck}/ckpt-000000000064.h5")
    check(model.startswith("mlp hidden=16 ") and optimizer == "adam" and step == 64,
          f"with the checkpoint's model and optimizer ({model}, {optimizer}, step {step})")
    # A checkpoint file; an option repeated in another spelling (1e-2 is 0.01) is no change.
    p = logged_run([mpiexec, "--oversubscribe", "-n", "2", psml, "train", "--resume",
                    f"{ck}/ckpt-000000000064.h5", "--epochs", "3", "--lr", "1e-2",
                    "--checkpoint-dir", f"{work}/ck2"])
    check(p.returncode == 0 and os.path.exists(f"{work}/ck2/ckpt-000000000096.h5"),
          "--resume FILE continues it too, into another folder")
    before = listing(ck)
    for option, given, stored in (("--lr", "0.1", "0.01"), ("--l2", "0.001", "1e-4"),
                                  ("--model", "softmax", "mlp")):
        p = logged_run([mpiexec, "--oversubscribe", "-n", "2", psml, "train", "--resume", ck,
                        "--epochs", "3", option, given])
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(p.returncode != 0 and len(errors) == 1
              and f"{option} {given}: the run --resume continues has {option} {stored} ({ck}/"
                  "ckpt-000000000064.h5)" in errors[0], f"{option} {given} is refused: {errors}")
    check(listing(ck) == before, "nothing in the checkpoint directory changed")

else:
    sys.exit(f"unknown scenario {scenario}")
print("PASS")
