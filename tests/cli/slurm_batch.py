"""The batch scripts of cluster/slurm/, submitted with sbatch to a real Slurm on this machine.

  slurm_batch.py PSML SOURCE_DIR WORKDIR

Starts munged, slurmctld and two slurmd (nodes psml1, psml2) from Debian's packages
(local_slurm.py; where they cannot start, it skips, exit 77, with one line naming what) and
checks, on a small synthetic set:
  - train.sbatch (srun) and train-mpirun.sbatch (mpirun in the allocation), each submitted for 2
    tasks: the 2 ranks train as one run (not two runs of one rank), to a final test accuracy of
    at least 0.9; the job ends COMPLETED with exit code 0:0; each rank is bound to a core of its
    own;
  - train-ps.sbatch on 2 nodes of 2 tasks: 2 workers and 1 server, the server (the last rank)
    alone on the last node, as srun reports where it started each task;
  - a run that fails (a missing file) ends FAILED with psml's exit code 1 and its error line;
  - afterwards munged, slurmctld and slurmd are stopped and no process of the cluster is left.
"""
import os, re, subprocess, sys, time

from harness import check
from local_slurm import CannotStart, LocalSlurm

psml, source, work = (os.path.abspath(p) for p in sys.argv[1:4])
JOB_TIMEOUT = 90  # seconds a job may take, queueing included (4 jobs stay within ctest's 600)


def run_job(slurm, name, tasks, script, *args, env=None):
    """sbatch TASKS cluster/slurm/SCRIPT ARGS; returns (state, exit code, output) once it ended."""
    out = os.path.join(work, f"{name}.out")
    sbatch = [*tasks, "--job-name", name, f"--output={out}", "--chdir", work,
              os.path.join(source, "cluster/slurm", script), *args]
    print("$ sbatch", " ".join(sbatch), flush=True)
    start = time.monotonic()
    job = slurm.submit(*sbatch, env=dict(env or {}, PSML=psml))
    state, code = slurm.wait(job, JOB_TIMEOUT)
    text = open(out).read() if os.path.exists(out) else ""
    print(f"job {job} ({name}): {state} {code} after {time.monotonic() - start:.1f} s\n{text}",
          flush=True)
    return state, code, text


def srun_bindings(text):
    """{task: (node, mask)} from srun --cpu-bind=verbose's lines."""
    found = re.findall(r"cpu-bind=MASK - (\S+), task +(\d+) +\d+ \[\d+\]: mask (\S+) set", text)
    return {int(task): (node, mask) for node, task, mask in found}


def check_trained(name, state, code, text, layout, ranks=2):
    check(state == "COMPLETED" and code == "0:0", f"{name}: COMPLETED 0:0 ({state} {code})")
    check(re.search(rf", {ranks} ranks \({layout}", text) is not None,
          f"{name}: the {ranks} tasks are the {ranks} ranks of one run ({layout})")
    acc = [float(a) for a in re.findall(r"^final test accuracy ([0-9.]+)$", text, re.M)]
    check(len(acc) == 1 and acc[0] >= 0.9, f"{name}: one final test accuracy, >= 0.9 ({acc})")


os.makedirs(work, exist_ok=True)
subprocess.run([psml, "data", "synth", "--rows", "2000", "--features", "20", "--classes", "3",
                "--test-rows", "500", "--out", "train.h5", "--test-out", "test.h5"],
               cwd=work, check=True)
TRAIN = ["--data", "train.h5", "--test", "test.h5", "--epochs", "3", "--lr", "0.1"]

TWO_TASKS = ["--ntasks=2"]
try:
    with LocalSlurm(nodes=2) as slurm:
        print(f"slurm up: nodes {', '.join(slurm.nodes)} on {slurm.host} ({slurm.dir})", flush=True)
        state, code, text = run_job(slurm, "srun", TWO_TASKS, "train.sbatch", *TRAIN)
        check_trained("train.sbatch", state, code, text, "allreduce")
        bound = srun_bindings(text)
        check(sorted(bound) == [0, 1] and bound[0] != bound[1],
              f"train.sbatch: srun bound each task to a core of its own {bound}")

        state, code, text = run_job(slurm, "mpirun", TWO_TASKS, "train-mpirun.sbatch", *TRAIN)
        check_trained("train-mpirun.sbatch", state, code, text, "allreduce")
        cores = set(re.findall(r"MCW rank [01] bound to socket \d+\[core (\d+)", text))
        check(len(cores) == 2, f"train-mpirun.sbatch: each rank bound to a core of its own {cores}")

        # 2 nodes of 2 tasks: the workers (ranks 0, 1) on the first, the server (rank 2) alone on
        # the last, whose other task stays idle.
        state, code, text = run_job(slurm, "ps", ["--nodes=2", "--ntasks-per-node=2"],
                                    "train-ps.sbatch", *TRAIN)
        check_trained("train-ps.sbatch", state, code, text, "ps: 1 server \\+ 2 workers", ranks=3)
        check("psml placement: 2 worker(s) on psml1, 1 server(s) on psml2" in text,
              "train-ps.sbatch: says it puts the server on the last node")
        bound = srun_bindings(text)
        check({t: node for t, (node, _) in bound.items()} == {0: "psml1", 1: "psml1", 2: "psml2"},
              f"train-ps.sbatch: srun started the workers on psml1, the server on psml2 {bound}")
        check("srun: warning" not in text.lower(), "train-ps.sbatch: srun had no warning")

        state, code, text = run_job(slurm, "fails", TWO_TASKS, "train.sbatch", "--data", "nope.h5")
        check(state == "FAILED" and code == "1:0",
              f"a failing run ends FAILED 1:0 ({state} {code})")
        check("psml: error: " in text and "nope.h5: no such file" in text,
              "and its output has psml's error line")
        daemons = [p for _, p, _ in slurm.daemons]
except CannotStart as e:
    print("SKIP: Slurm cannot start here: " + " ".join(str(e).split()), flush=True)
    sys.exit(77)
check(all(p.poll() is not None for p in daemons), "munged, slurmctld and slurmd are stopped")
check(slurm.leftovers == [], f"no process of the cluster outlived it ({slurm.leftovers})")
