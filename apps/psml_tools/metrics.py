"""A run's metrics file (metrics.jsonl, docs/runs.md), read the same way by every tool.

What a file may hold: a missing file holds no records (the run has written none yet); a last line
without its newline was cut short by a run stopped while writing it and is left out; blank lines
are skipped; any other line that is not a JSON object is an error naming the file and the line.
"""

import json

from psml_tools import ToolError

# The time split of the step and epoch records: their <part>_s fields, in the order plots stack.
SPLIT = ("compute", "communication", "wait", "optimizer")


def read_records(path):
    """(line number, record) for each complete, non-blank line, in the file's order."""
    try:
        with open(path, "rb") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ToolError(f"{path}: cannot read it ({e.strerror})") from e
    if lines and not lines[-1].endswith(b"\n"):
        lines.pop()  # cut short by a stopped run
    records = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ToolError(f"{path}: line {number}: not JSON ({e.msg}, column {e.colno})") from e
        except UnicodeDecodeError as e:
            raise ToolError(f"{path}: line {number}: not JSON (not UTF-8 text)") from e
        if not isinstance(record, dict):
            raise ToolError(f"{path}: line {number}: not a JSON object")
        records.append((number, record))
    return records


def read_metrics(path):
    """(the first run record or None, the epoch records) of a metrics file."""
    records = [record for _, record in read_records(path)]
    run = next((r for r in records if r.get("type") == "run"), None)
    return run, [r for r in records if r.get("type") == "epoch"]
