"""A tool's output files, published as psml's C++ core/atomic_file.hpp publishes its own: written
under a temporary name beside the target, flushed to the disk (fsync), renamed onto it, and the
folder's entry flushed too, so that after a crash the path holds the old file or the whole new one.
A failure names the file."""

import os

from psml_tools import ToolError


def publish(path, write):
    """Calls write(binary_file) on a temporary file, then makes it `path` durably."""
    folder = os.path.dirname(path) or "."
    temporary = os.path.join(folder, "." + os.path.basename(path) + ".tmp")
    try:
        with open(temporary, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise ToolError(f"{path}: cannot write it ({e.strerror})") from e


def save_figure(fig, path, dpi):
    """A matplotlib figure to `path` (its format from the name), and a line saying so."""
    kind = os.path.splitext(path)[1].lstrip(".") or None
    publish(path, lambda f: fig.savefig(f, format=kind, dpi=dpi))
    print(f"wrote {path}")


def write_atomically(path, text):
    """`text` as the whole content of `path`, published durably."""
    publish(path, lambda f: f.write(text.encode()))
