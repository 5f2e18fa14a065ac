"""Runs the shell commands the documentation shows, so that what it says stays true.

  doc_commands.py --psml BIN [--root DIR] [--work DIR] [--timeout S] [--list] [--links-only] [FILE...]

Which blocks run: a fenced code block whose language is `sh` or `bash` and whose opening fence
comes right after a line holding only the HTML comment `<!-- test -->` (Markdown viewers do not
show it):

    <!-- test -->
    ```sh
    psml data synth --rows 2000 --features 20 --classes 4 --out train.h5
    mpirun -np 2 psml train --data train.h5 --epochs 2
    ```

Blocks without the comment are not run: the install / build / test-suite commands (CI runs those
itself), long measurements, cluster jobs. A `<!-- test -->` that is not followed by an sh / bash
fence is an error, so a typo cannot silently turn a test off.

What a block may rely on, and so what the pages must provide themselves:
* The blocks of one file run in order, each as its own `bash` script under `set -Eeo pipefail`,
  in one fresh directory per file. Files a block writes are there for the later blocks of the
  same file; shell variables are not. So each page first makes the (small, synthetic) data it
  uses, as a reader following it would.
* That directory stands in for the repository root: `build` is a link to the build folder that
  holds --psml (so `build/bin/psml` works), and `scripts`, `examples`, `cluster` are links to
  the repository's. `source scripts/env.sh` works as written.
* `psml` is on PATH (the --psml program), and so is `mpirun` (and the folder of --mpiexec).
* Open MPI may run as root and start more ranks than there are cores (OMPI_ALLOW_RUN_AS_ROOT,
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM, OMPI_MCA_rmaps_base_oversubscribe, as scripts/env.sh sets).
* Every block ends within --timeout seconds (default 60): a hang is a failure.
The Fashion-MNIST IDX files of Debian's dataset-fashion-mnist (scripts/setup.sh installs it) are
at /usr/share/datasets/fashion-mnist; pages may import them.

A failure names the file, the line of the failing command in that file, the command, its exit
status and the block's output; the other files still run. Exit status 0 when every block passed.
With no FILE, README.md and docs/*.md under --root are read.

The links between the pages are checked too: a relative link `[text](page.md#anchor)` whose
page exists must name a heading of it (GitHub's anchors: the heading in lower case, punctuation
dropped, spaces as hyphens), or the run fails naming the file and line. A link to a page that is
not there is only a warning (a page may be written by another change).
"""
import argparse, glob, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402

MARK = re.compile(r"^\s*<!--\s*test\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)")

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--psml", required=True, help="the psml program (build/bin/psml)")
ap.add_argument("--mpiexec", help="its folder is put on PATH too (mpirun is found on PATH anyway)")
ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                help="the repository (default: two folders above this script)")
ap.add_argument("--work", help="run here (one folder per Markdown file; default: a temporary folder)")
ap.add_argument("--timeout", type=float, default=60, help="seconds a block may take")
ap.add_argument("--list", action="store_true", help="print the blocks that would run, run nothing")
ap.add_argument("--links-only", action="store_true", help="check the links, run no block")
ap.add_argument("files", nargs="*", help="Markdown files (default: README.md and docs/*.md)")
a = ap.parse_args()

root = os.path.abspath(a.root)
psml = os.path.abspath(a.psml)
files = a.files or [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))


class Block:
    def __init__(self, path, first_line, lines):
        self.path, self.first_line, self.lines = path, first_line, lines

    def where(self, offset=0):
        return f"{os.path.relpath(self.path, root)}:{self.first_line + offset}"


def blocks_of(path):
    """The marked blocks of one Markdown file; the line numbers are 1-based lines of the file."""
    text = open(path, encoding="utf-8").read().split("\n")
    found, i = [], 0
    while i < len(text):
        if MARK.match(text[i]):
            m = FENCE.match(text[i + 1]) if i + 1 < len(text) else None
            if not m or m.group(3) not in ("sh", "bash"):
                sys.exit(f"{os.path.relpath(path, root)}:{i + 1}: <!-- test --> must be followed "
                         "directly by a ```sh or ```bash block")
            fence, body, j = m.group(2), [], i + 2
            while j < len(text) and not text[j].strip().startswith(fence):
                body.append(text[j])
                j += 1
            if j == len(text):
                sys.exit(f"{os.path.relpath(path, root)}:{i + 2}: the code block is never closed")
            found.append(Block(path, i + 3, body))
            i = j + 1
        else:
            i += 1
    return found


def fenced_lines(text):
    """Per line of a Markdown file: True inside a fenced code block (fences included)."""
    inside, fence, out = False, None, []
    for line in text:
        m = FENCE.match(line)
        if not inside and m:
            inside, fence = True, m.group(2)
            out.append(True)
        elif inside and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            inside = False
            out.append(True)
        else:
            out.append(inside)
    return out


def anchors_of(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    text = open(path, encoding="utf-8").read().split("\n")
    seen, out = {}, set()
    for line, fenced in zip(text, fenced_lines(text)):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or not m:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def check_links(path):
    """Broken relative links of one file: (problems, warnings), each 'file:line: ...'."""
    text = open(path, encoding="utf-8").read().split("\n")
    problems, warnings = [], []
    for number, (line, fenced) in enumerate(zip(text, fenced_lines(text)), 1):
        if fenced:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            page, _, anchor = target.partition("#")
            where = os.path.normpath(os.path.join(os.path.dirname(path), page)) if page else path
            at = f"{os.path.relpath(path, root)}:{number}"
            if not os.path.exists(where):
                warnings.append(f"{at}: link to {target}: {page} is not there")
            elif anchor and where.endswith(".md") and anchor not in anchors_of(where):
                problems.append(f"{at}: link to {target}: {page or 'this page'} has no heading "
                                f"with the anchor #{anchor}")
    return problems, warnings


all_blocks = [(f, blocks_of(f)) for f in files]
if a.list:
    for f, blocks in all_blocks:
        for b in blocks:
            print(f"--- {b.where()}")
            print("\n".join(b.lines))
    sys.exit(0)
if not a.links_only and not any(blocks for _, blocks in all_blocks):
    sys.exit("FAIL: no block marked <!-- test --> in " + ", ".join(files))

build_dir = os.path.dirname(os.path.dirname(psml))  # build/bin/psml -> build
path_dirs = [os.path.dirname(psml)]
if a.mpiexec:
    path_dirs.append(os.path.dirname(os.path.abspath(a.mpiexec)))
env = open_mpi_env()
env["PATH"] = os.pathsep.join(path_dirs + [env.get("PATH", "/usr/bin:/bin")])

work = os.path.abspath(a.work) if a.work else None

# The script around a block: the ERR trap records the failing command's line, the DEBUG trap the
# line of the command running now (for a block that hangs). Lines of the block start at PROLOGUE+1.
PROLOGUE = [
    'trap \'rc=$?; echo "$LINENO $rc" > "$DOC_FAILED"\' ERR',
    'trap \'echo "$LINENO" > "$DOC_RUNNING"\' DEBUG',
    "set -Eeo pipefail",
]


def command_at(block, line):
    """The block's command starting at its line `line` (0-based), with its continuation lines."""
    out = []
    for text in block.lines[line:]:
        out.append(text)
        if not text.rstrip().endswith("\\"):
            break
    return "\n".join(out)


def read_ints(path):
    try:
        parts = open(path).read().split()
        return [int(p) for p in parts]
    except (OSError, ValueError):
        return []


if not a.links_only:
    work = work or tempfile.mkdtemp(prefix="psml-doc-commands-")
    os.makedirs(work, exist_ok=True)
failures = []
for f in files:
    problems, warnings = check_links(f)
    for w in warnings:
        print(f"warning: {w}", flush=True)
    for p in problems:
        print(f"FAIL: {p}", flush=True)
    failures += problems
if a.links_only:
    all_blocks = []
total_blocks, total_start = 0, time.monotonic()
for path, blocks in all_blocks:
    if not blocks:
        continue
    name = os.path.relpath(path, root)
    where = os.path.join(work, re.sub(r"[^A-Za-z0-9]+", "_", name))
    subprocess.run(["rm", "-rf", where], check=True)
    os.makedirs(where)
    for link in ("scripts", "examples", "cluster"):
        os.symlink(os.path.join(root, link), os.path.join(where, link))
    os.symlink(build_dir, os.path.join(where, "build"))
    print(f"=== {name}: {len(blocks)} blocks in {where}", flush=True)
    for b in blocks:
        total_blocks += 1
        script = os.path.join(where, f".block-{b.first_line}.sh")
        failed, running = script + ".failed", script + ".running"
        with open(script, "w") as f:
            f.write("\n".join(PROLOGUE + b.lines) + "\n")
        benv = dict(env, DOC_FAILED=failed, DOC_RUNNING=running)
        print(f"--- {b.where()}", flush=True)
        print("\n".join("  $ " + x for x in b.lines), flush=True)
        start = time.monotonic()
        p = subprocess.Popen(["bash", script], cwd=where, env=benv, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output, _ = p.communicate(timeout=a.timeout)
            problem = None
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            output, _ = p.communicate()
            at = read_ints(running)
            line = at[0] - len(PROLOGUE) - 1 if at else 0
            problem = (line, f"still running after {a.timeout:g} s")
        elapsed = time.monotonic() - start
        print(output, end="" if output.endswith("\n") or not output else "\n")
        if problem is None and p.returncode != 0:
            at = read_ints(failed)
            line = at[0] - len(PROLOGUE) - 1 if at else 0
            rc = at[1] if len(at) > 1 else p.returncode
            problem = (line, f"exit status {rc}")
        if problem is None:
            print(f"    ok, {elapsed:.1f} s", flush=True)
            continue
        line, what = problem
        line = min(max(line, 0), max(len(b.lines) - 1, 0))
        msg = f"{b.where(line)}: {what}: {command_at(b, line)}"
        print(f"FAIL: {msg}", flush=True)
        failures.append(msg)
        break  # the later blocks of this file build on this one

elapsed = time.monotonic() - total_start
print(f"=== {total_blocks} blocks in {elapsed:.0f} s", flush=True)
if failures and work:
    print(f"the pages' folders are kept in {work}")
elif work and not a.work:
    subprocess.run(["rm", "-rf", work])
if failures:
    print("FAIL: commands or links in the documentation that do not work as shown:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
