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
