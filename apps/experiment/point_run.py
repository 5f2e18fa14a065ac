"""Running one point of a grid in its run folder, and knowing (--resume) whether an earlier run
of it finished."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import time

from grid_file import point_toml
from psml_tools import ToolError
from psml_tools.logs import last_error_line
from psml_tools.metrics import read_metrics
from psml_tools.output_files import write_atomically

KILL_GRACE_S = 30  # after SIGTERM: psml's own --grace-seconds is 20


def command(point, run_dir, psml, mpirun, cluster_run):
    train = [psml, "train", "--config", os.path.join(run_dir, "point.toml"), "--run-dir", run_dir,
             "--quiet"]
    if point.bandwidth is None:
        return [*mpirun, "-np", str(point.ranks), *train]
    return [cluster_run, "--hosts", str(point.hosts or point.ranks), "--rate", point.bandwidth,
            "--ranks", str(point.ranks), "--", *train]


def stop(process):
    """SIGTERM to the point's process group (mpirun and its ranks), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break  # the group is gone
        try:
            process.wait(timeout=KILL_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            pass
    process.wait()


def run_point(point, run_dir, cmd, timeout_s):
    """Run one point in a fresh run folder: (status, error, elapsed seconds)."""
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        os.makedirs(run_dir)
    except OSError as e:
        raise ToolError(f"{run_dir}: cannot make it ({e.strerror})") from e
    write_atomically(os.path.join(run_dir, "point.toml"), point_toml(point))
    log_path = os.path.join(run_dir, "output.log")
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ " + shlex.join(cmd) + "\n")
        log.flush()
        try:
            process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            return "failed", f"cannot run {cmd[0]} ({e.strerror})", 0.0
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            stop(process)
            return "timeout", f"timed out after {timeout_s:g} s", time.monotonic() - start
        finally:
            if process.returncode is None:  # interrupted: leave no ranks behind
                stop(process)
    elapsed = time.monotonic() - start
    if returncode != 0:
        error = last_error_line(log_path) or f"exited with status {returncode} (see {log_path})"
        return "failed", error, elapsed
    return "ok", None, elapsed


def previous_result(run_dir):
    """The result.json of an earlier run of this point, or None."""
    try:
        with open(os.path.join(run_dir, "result.json")) as f:
            result = json.load(f)
        return result if isinstance(result, dict) else None
    except (OSError, json.JSONDecodeError):
        return None


def finished(run, epochs):
    """Whether a run's metrics hold all its epochs."""
    return run is not None and bool(epochs) and epochs[-1].get("epoch") == run.get("epochs")


def done_before(point, run_dir):
    """--resume: whether an earlier run of this point, with the same options, finished (an ok
    result or all its epochs)."""
    try:
        with open(os.path.join(run_dir, "point.toml")) as f:
            if f.read() != point_toml(point):
                return False
    except OSError:
        return False
    result = previous_result(run_dir)
    if result is not None and result.get("status") == "ok":
        return True
    try:
        return finished(*read_metrics(os.path.join(run_dir, "metrics.jsonl")))
    except ToolError:
        return False  # metrics it cannot read: the point runs again
