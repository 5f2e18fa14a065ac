"""A tool's output files: a figure, a text file replaced whole; a failure names the file."""

import os

from psml_tools import ToolError


def save_figure(fig, path, dpi):
    """A matplotlib figure to `path` (its format from the name), and a line saying so."""
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as e:
        raise ToolError(f"{path}: cannot write it ({e.strerror})") from e
    print(f"wrote {path}")


def write_atomically(path, text):
    """`text` to `path` through a temporary file: a reader sees the old file or the new one."""
    try:
        with open(path + ".tmp", "w", newline="") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    except OSError as e:
        raise ToolError(f"{path}: cannot write it ({e.strerror})") from e
