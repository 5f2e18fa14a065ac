"""Runs the psml program under mpiexec and checks what a user would see.

  run_psml.py --psml BIN --mpiexec MPIEXEC --ranks N --data DIR [checks] -- psml-args...

@DATA@ in the arguments stands for DIR. Checks:
  --error REGEX        exit code non-zero, stderr has exactly one 'psml: error:' line, matching REGEX
  --stdout REGEX       exit code 0 and stdout matches REGEX
  --exit-nonzero       only a non-zero exit within the time limit (e.g. a rank killed by a signal)
  --stderr REGEX       stderr matches REGEX (with --exit-nonzero: what mpirun said of a dead rank)
  --within S           the run ends within S seconds (a bound the behaviour promises, tighter than
                       --timeout, which only turns a hang into a failure)
  --min-accuracy X     exit code 0 and 'final test accuracy' >= X
  --compare-ranks L    also run with each rank count in L (e.g. 1,2,4): final accuracies must agree
                       within --tolerance
  --other-args "..."   ranks other than 0 get these arguments instead (options differing by rank)
  --max-clock-gap K    the largest 'max clock gap' of the parameter-server epoch lines is exactly K
                       (the bound was reached and never broken)
  --env KEY=VALUE      set in the environment of the run (e.g. PSML_FAULT), repeatable
Every run must end within --timeout seconds: a hang is a failure, not a wait.
"""
import argparse, os, re, shlex, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--psml", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--data", required=True)
ap.add_argument("--timeout", type=float, default=60)
ap.add_argument("--error")
ap.add_argument("--stdout")
ap.add_argument("--exit-nonzero", action="store_true")
ap.add_argument("--stderr")
ap.add_argument("--within", type=float)
ap.add_argument("--min-accuracy", type=float)
ap.add_argument("--compare-ranks")
ap.add_argument("--tolerance", type=float, default=0.005)
ap.add_argument("--other-args")
ap.add_argument("--max-clock-gap", type=int)
ap.add_argument("--env", action="append", default=[])
ap.add_argument("args", nargs=argparse.REMAINDER)
a = ap.parse_args()
args = [x.replace("@DATA@", a.data) for x in a.args if x != "--"]


def run(ranks):
    if ranks == 0:
        cmd = [a.psml] + args
    elif a.other_args is not None:
        other = [x.replace("@DATA@", a.data) for x in shlex.split(a.other_args)]
        cmd = [a.mpiexec, "--oversubscribe", "-n", "1", a.psml] + args + \
              [":", "-n", str(ranks - 1), a.psml] + other
    else:
        cmd = [a.mpiexec, "--oversubscribe", "-n", str(ranks), a.psml] + args
    print("$", " ".join(cmd), flush=True)
    start = time.monotonic()
    try:
        env = dict(os.environ, **dict(kv.split("=", 1) for kv in a.env))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout, env=env)
    except subprocess.TimeoutExpired:
        sys.exit(f"FAIL: still running after {a.timeout} s (a hang)")
    elapsed = time.monotonic() - start
    print(p.stdout, end="")
    print(p.stderr, end="", file=sys.stderr)
    print(f"exit {p.returncode} after {elapsed:.1f} s", flush=True)
    if a.within is not None and elapsed > a.within:
        sys.exit(f"FAIL: took {elapsed:.1f} s, more than {a.within} s")
    return p


def accuracy(p):
    m = re.search(r"final test accuracy ([0-9.]+)", p.stdout)
    if not m:
        sys.exit("FAIL: no 'final test accuracy' line")
    return float(m.group(1))


p = run(a.ranks)
if a.stderr and not re.search(a.stderr, p.stderr, re.M):
    sys.exit(f"FAIL: stderr does not match /{a.stderr}/")
if a.exit_nonzero:
    if p.returncode == 0:
        sys.exit("FAIL: expected a non-zero exit")
elif a.error is not None:
    if p.returncode == 0:
        sys.exit("FAIL: expected a non-zero exit")
    lines = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
    if len(lines) != 1:
        sys.exit(f"FAIL: expected exactly one 'psml: error:' line, got {len(lines)}")
    if not re.search(a.error, lines[0]):
        sys.exit(f"FAIL: error line does not match /{a.error}/: {lines[0]}")
else:
    if p.returncode != 0:
        sys.exit(f"FAIL: exit code {p.returncode}")
    if a.stdout and not re.search(a.stdout, p.stdout, re.M):
        sys.exit(f"FAIL: stdout does not match /{a.stdout}/")
    if a.max_clock_gap is not None:
        gaps = [int(g) for g in re.findall(r"max clock gap (\d+)", p.stdout)]
        print("max clock gap per epoch:", gaps)
        if not gaps or max(gaps) != a.max_clock_gap:
            sys.exit(f"FAIL: the largest clock gap is {max(gaps, default=None)}, expected {a.max_clock_gap}")
    if a.min_accuracy is not None:
        acc = accuracy(p)
        if acc < a.min_accuracy:
            sys.exit(f"FAIL: final test accuracy {acc} < {a.min_accuracy}")
    if a.compare_ranks:
        accs = {r: accuracy(run(r)) for r in map(int, a.compare_ranks.split(","))}
        print("final test accuracy by rank count:", accs)
        if max(accs.values()) - min(accs.values()) > a.tolerance:
            sys.exit(f"FAIL: accuracies differ by more than {a.tolerance}: {accs}")
print("PASS")
