"""Options do what they say, or are refused, in the words a user reads:

1. every option of psml train either has a row in the option rules (psml train
   --print-option-rules) or is one this test knows applies to every run: a new option must be
   placed;
2. the table's refusals and the command line's wording, each one line with exit status 2 (an
   unknown command or option with the nearest name, the failing command's help, --hidden's
   format);
3. under scripts/env.sh, a failing mpirun prints psml's one line and nothing else.

  option_rules.py PSML MPIEXEC DATA_DIR SOURCE_DIR
"""
import json
import subprocess
import sys
from harness import check, logged_run

psml, mpiexec, data, source = sys.argv[1:5]
train_h5 = f"{data}/train.h5"

# Options read by every run (the checks of --checkpoint-keep, --resume and --data-memory
# against the solver, the data and the folders are their own: option_rules.cpp).
EVERY_RUN = {"data", "test", "mode", "solver", "model", "deadline", "l2", "validation", "seed",
             "data-memory", "checkpoint-dir", "checkpoint-keep", "resume", "save-model",
             "grace-seconds", "run-dir", "metrics", "trace", "quiet", "verbose", "standardize",
             "overwrite", "features-path", "labels-path"}

rules = json.loads(logged_run([psml, "train", "--print-option-rules"]).stdout)["options"]
ruled = {row["option"] for row in rules}
printed = logged_run([psml, "train", "--print-config"]).stdout
options = {line.split(" = ")[0] for line in printed.splitlines()
           if " = " in line and not line.startswith("#")}
unplaced = sorted(options - ruled - EVERY_RUN)
check(not unplaced, f"every option of psml train is in the rules or read by every run: {unplaced}")
check(not (ruled & EVERY_RUN), f"no option is both: {sorted(ruled & EVERY_RUN)}")


def refused(*args, ranks=0, status=2):
    """The one line of a refused run (exit status 2: the command line; 1: train() against the
    data), ranks=0: without mpirun."""
    cmd = [psml, *args] if ranks == 0 else [mpiexec, "--oversubscribe", "-n", str(ranks), psml,
                                             *args]
    p = logged_run(cmd, env={"OMPI_MCA_orte_execute_quiet": "1"})  # no banner of mpirun's
    lines = (p.stdout + p.stderr).strip().splitlines()
    check(p.returncode == status and len(lines) == 1,
          f"psml {' '.join(args)}: refused in one line, status {status} "
          f"({p.returncode}, {len(lines)})")
    return lines[0]


def expect(line, want):
    check(line == "psml: error: " + want, f"'{line}' is '{want}'")


T = ["train", "--data", train_h5]
expect(refused(*T, "--hidden", "64"),
       "--hidden: applies to --model mlp only; this run has --model softmax "
       "(see psml train --help)")
expect(refused(*T, "--optimizer", "sgd", "--momentum", "0.9", ranks=2),
       "--momentum: applies to --optimizer momentum or nesterov only; this run has --optimizer "
       "sgd (see psml train --help)")
expect(refused(*T, "--model", "svm", "--activation", "tanh"),
       "--activation: applies to --model mlp only; this run has --model svm "
       "(see psml train --help)")
expect(refused(*T, "--lr-gamma", "0.5"),
       "--lr-gamma: applies to --lr-schedule step or exponential only; this run has "
       "--lr-schedule constant (see psml train --help)")
expect(refused(*T, "--gamma", "0.1"),
       "--gamma: applies to --model rff-svm only; this run has --model softmax "
       "(see psml train --help)")
expect(refused(*T, "--allreduce", "shm", "--bucket-mb", "4"),
       "--bucket-mb: applies to --allreduce mpi (or auto across nodes) only; this run has "
       "--allreduce shm (see psml train --help)")
expect(refused(*T, "--solver", "lbfgs", "--epochs", "3"),
       "--epochs: applies to --solver sgd only; this run has --solver lbfgs "
       "(see psml train --help)")
expect(refused(*T, "--quiet", "--verbose"),
       "--verbose: prints the configuration, which --quiet leaves out: give one of them "
       "(see psml train --help)")
# The ranks decide: --allreduce auto on one node sums in shared memory, in no buckets.
expect(refused(*T, "--bucket-mb", "4", ranks=2, status=1),
       "--bucket-mb: applies to an allreduce over MPI only; this run's 2 ranks on one node sum in "
       "shared memory (--allreduce auto; --allreduce mpi sums over MPI)")
# The data decides: sparse steps gathered take no bucket size (train() checks, on every rank).
sparse = f"{data}/sparse_train.h5"
expect(refused("train", "--data", sparse, "--model", "logreg", "--sparse-exchange", "sparse",
               "--bucket-mb", "4", ranks=2, status=1),
       f"--bucket-mb: applies to steps that sum or push a gradient, not to sparse steps "
       f"gathered; this run gathers the sparse steps of {sparse} (--sparse-exchange dense sums "
       f"a dense gradient)")
# The wording of the command line itself.
expect(refused("tran"), "'tran' is not a psml command; did you mean 'train'? "
       "(psml --help lists them)")
expect(refused("data", "synht"), "'synht' is not a psml data command; did you mean 'synth'? "
       "(psml data --help lists them)")
expect(refused(*T, "--epoch", "3"), "--epoch: not an option of psml train; did you mean "
       "--epochs? (psml train --help lists them)")
expect(refused("train", "--epoch", "3"), "--epoch: not an option of psml train; did you mean "
       "--epochs? (psml train --help lists them)")
expect(refused(*T, "--model", "mlp", "--hidden", "64x32"),
       "--hidden: '64x32' is not a width: give layer widths separated by commas, e.g. 256,128 "
       "(see psml train --help)")
expect(refused("train"), "--data is required (see psml train --help)")
expect(refused(), "give a command, e.g. psml train (psml --help lists them)")
check(refused("data", "synth", "--rows", "x", "--out", "x.h5").endswith(
    "(see psml data synth --help)"), "an error points to the failing command's help")

# Under the README's environment a failing mpirun prints psml's one line and nothing else.
for args, status in ((["train", "--bad"], 2), (["train", "--data", f"{data}/nope.h5"], 1)):
    p = logged_run(["bash", "-c", f'source "{source}/scripts/env.sh" && "{mpiexec}" -np 2 '
                    f'"{psml}" ' + " ".join(args)])
    lines = (p.stdout + p.stderr).strip().splitlines()
    check(p.returncode == status and len(lines) == 1 and lines[0].startswith("psml: error: "),
          f"mpirun -np 2 psml {' '.join(args)} under scripts/env.sh: one line, status {status} "
          f"({p.returncode}, {len(lines)} lines)")
print("PASS")
