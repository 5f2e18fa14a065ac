"""Link rates and times as psml's tools take them on the command line (tc's units)."""

import re

from psml_tools import ToolError


def bits_per_second(text, option):
    """'10gbit', '100mbit' -> bits per second (tc's 'bps' is bytes: not taken)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg])bit", text.strip().lower())
    if not m or float(m.group(1)) <= 0:
        raise ToolError(f"{option} {text}: not a rate such as 100mbit, 1gbit or 10gbit")
    return float(m.group(1)) * {"k": 1e3, "m": 1e6, "g": 1e9}[m.group(2)]


def seconds(text, option):
    """'5us', '50us', '0.1ms', '1e-5' -> seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(s|ms|us|ns)?", text.strip().lower())
    if not m:
        raise ToolError(f"{option} {text}: not a time such as 5us, 0.1ms")
    return float(m.group(1)) * {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, None: 1}[m.group(2)]
