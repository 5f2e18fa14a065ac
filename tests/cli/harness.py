"""What the Python-driven tests share: a check that prints its verdict and ends the test on a
failure, and a command run with its command line and output in the test's log."""
import os
import subprocess
import sys


def check(cond, what):
    """Prints 'ok: what' or 'FAIL: what'; a failure ends the test with exit code 1."""
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        sys.exit(1)


def logged_run(cmd, timeout=120, env=None):
    """Runs `cmd` (a list), printing it and then its output; returns the CompletedProcess.
    `env`: variables added to this process's environment."""
    print("$", " ".join(str(c) for c in cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    print(p.stdout + p.stderr, flush=True)
    return p


def mpi_runner(mpiexec, psml, timeout=300):
    """run(ranks, *args, expect_ok=True): psml with `args` on `ranks` ranks (oversubscribed),
    logged. It returns the standard output, ending the test if psml failed; with
    expect_ok=False it checks that psml failed with exactly one `psml: error:` line and returns
    that line."""

    def run(ranks, *args, expect_ok=True):
        p = logged_run([mpiexec, "--oversubscribe", "-n", str(ranks), psml, *args],
                       timeout=timeout)
        if expect_ok:
            check(p.returncode == 0, f"psml {args[0] if args else ''} exits with 0 "
                                     f"(exit code {p.returncode})")
            return p.stdout
        errors = [l for l in p.stderr.splitlines() if l.startswith("psml: error:")]
        check(p.returncode != 0 and len(errors) == 1,
              f"one error line and a failure (exit code {p.returncode}, {len(errors)} lines)")
        return errors[0]

    return run


def features_and_labels(path):
    """A dense data file's /features (as float64, as scikit-learn gets them) and /labels."""
    import h5py
    import numpy as np
    with h5py.File(path) as f:
        return f["features"][:].astype(np.float64), f["labels"][:]
