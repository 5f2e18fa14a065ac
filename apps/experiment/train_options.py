"""Which psml train options a grid may name, and which of them apply to a point: psml train's own
rules (`psml train --print-option-rules`), never a copy of them."""

import json
import subprocess

from psml_tools import ToolError


def train_output(psml, flag):
    """What `psml train FLAG` prints."""
    try:
        p = subprocess.run([psml, "train", flag], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolError(f"{psml}: cannot run it ({e})") from e
    if p.returncode != 0:
        raise ToolError(f"{psml}: train {flag} exited with status {p.returncode}")
    return p.stdout


def train_option_names(psml):
    """The keys `psml train --config` reads, from `psml train --print-config`."""
    text = train_output(psml, "--print-config")
    return {line.split(" = ")[0] for line in text.splitlines() if " = " in line}


def option_rules(psml):
    """Where each option applies, from `psml train --print-option-rules`: option -> its
    conditions on other options, each (that option, the values where it applies, its default).
    The conditions on what the training data decides (those without a default: its kind, how
    its steps are exchanged) are psml train's to check: the driver reads no data."""
    try:
        table = json.loads(train_output(psml, "--print-option-rules"))["options"]
        return {row["option"]: [(c["on"], c["values"], c["default"])
                                for c in row["applies_when"] if "default" in c]
                for row in table}
    except (ValueError, KeyError, TypeError) as e:
        raise ToolError(f"{psml}: train --print-option-rules: not the table of "
                        f"option rules ({e})") from e


def applies(key, texts, rules, local):
    """Whether option `key` applies to a point whose options' values, as text, are `texts`
    (psml train's option rules); `local`: run by mpirun on this machine, where the emulated
    cluster's `hosts` means nothing."""
    if key == "hosts":
        return not local
    return all(texts.get(on, default) in values for on, values, default in rules.get(key, ()))
