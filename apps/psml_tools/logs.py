"""Why a run failed, from the log of what it printed."""

# Lines that state a run's failure in full: psml's, and the emulated cluster's (cluster/local).
ERROR_PREFIXES = ("psml: error:", "cluster/local:")


def last_error_line(log_path):
    """The last `psml: error:` or `cluster/local:` line of a log, else the last line that mentions
    an error (mpirun's, smpirun's); None where there is none, or no log."""
    try:
        with open(log_path, errors="replace") as f:
            lines = [line.strip() for line in f]
    except OSError:
        return None
    for line in reversed(lines):
        if line.startswith(ERROR_PREFIXES):
            return line
    for line in reversed(lines):
        if "error" in line.lower():
            return line
    return None
