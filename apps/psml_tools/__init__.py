"""What psml's Python tools share: psml report, psml experiment and psml simulate (apps/), the
benchmarks (bench/) and the tests (tests/cli/) read metrics, find a failed run's error line, write
figures and start Open MPI the same way, from here.

The apps find this package beside their own folder: apps/ in the source tree, share/psml/ once
installed (apps/CMakeLists.txt installs the same layout). bench/ and tests/cli/ put the source
tree's apps/ on sys.path.
"""


class ToolError(Exception):
    """A problem with an input, an output or a command line; the message names the file or the
    option. A tool prints it as one line, `psml TOOL: error: MESSAGE`, and exits with 1."""
