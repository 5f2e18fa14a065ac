"""Which psml train options a grid may name, and which of them apply to a point."""

import subprocess

from psml_tools import ToolError

PS_ONLY = ("servers", "consistency", "key-layout", "ps-transport")
ALLREDUCE_ONLY = ("allreduce", "bucket-mb")


def train_option_names(psml):
    """The keys `psml train --config` reads, from `psml train --print-config`."""
    try:
        p = subprocess.run([psml, "train", "--print-config"], capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolError(f"{psml}: cannot run it ({e})") from e
    if p.returncode != 0:
        raise ToolError(f"{psml}: train --print-config exited with status {p.returncode}")
    return {line.split(" = ")[0] for line in p.stdout.splitlines() if " = " in line}


def applies(key, mode, local):
    """Whether option `key` is given to a point of `mode` (local: run by mpirun on this machine,
    where the emulated cluster's `hosts` means nothing)."""
    if key in PS_ONLY:
        return mode == "ps"
    if key in ALLREDUCE_ONLY:
        return mode != "ps"
    return not (key == "hosts" and local)
