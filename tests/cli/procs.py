"""Processes of a running mpirun, read from /proc (for tests that signal ranks or watch them)."""
import os


def children(pid):
    """The pids whose parent is `pid` (mpirun's ranks)."""
    kids = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and open(f"/proc/{d}/stat").read().rsplit(") ", 1)[1].split()[1] == str(pid):
                kids.append(int(d))
        except OSError:
            pass
    return kids
