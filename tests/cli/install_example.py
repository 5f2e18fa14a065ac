"""psml as a library (docs/library.md), end to end:

  install_example.py CMAKE BUILD SOURCE MPIEXEC WORKDIR [CXX]

installs BUILD into WORKDIR/prefix (`cmake --install`), checks what went there (headers with the
generated version.hpp, the library, the CMake package, the psml program; no path back into the
build or source tree; the Python commands' scripts, which run from there), configures and builds examples/train_from_cpp against that prefix alone
(find_package(psml): the installed headers compile in a project of their own), makes data with the
installed psml, runs the example on 2 ranks (epoch lines, a model file) and reads its model with
`psml checkpoint inspect`.
"""
import glob, os, re, shutil, sys
from harness import check, logged_run

cmake, build, source, mpiexec, work = sys.argv[1:6]
cxx = sys.argv[6] if len(sys.argv) > 6 else None
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
prefix, example_build = f"{work}/prefix", f"{work}/example"


def run(*cmd, timeout=240):
    p = logged_run(cmd, timeout=timeout)
    check(p.returncode == 0, f"{os.path.basename(cmd[0])} exits 0")
    return p


run(cmake, "--install", build, "--prefix", prefix)

# What the prefix holds.
for path in ["bin/psml", "include/psml/train/trainer.hpp", "include/psml/core/version.hpp"]:
    check(os.path.isfile(f"{prefix}/{path}"), f"installed {path}")
check(not glob.glob(f"{prefix}/include/**/*.in", recursive=True), "no template (.in) installed")
libs = glob.glob(f"{prefix}/lib*/libpsml.a") + glob.glob(f"{prefix}/lib*/*/libpsml.a")
check(len(libs) == 1, f"installed the library ({libs})")
package = glob.glob(f"{prefix}/lib*/cmake/psml") + glob.glob(f"{prefix}/lib*/*/cmake/psml")
check(len(package) == 1, f"installed the CMake package ({package})")
files = sorted(os.listdir(package[0]))
for name in ["psmlConfig.cmake", "psmlConfigVersion.cmake", "psmlTargets.cmake"]:
    check(name in files, f"package has {name} ({files})")
exported = "".join(open(f"{package[0]}/{f}").read() for f in files if f.startswith("psmlTargets"))
check("psml::psml" in exported and "psml_warnings" not in exported,
      "exports psml::psml, not the warning flags")
for tree in (os.path.realpath(build), os.path.realpath(source)):
    check(tree not in exported, f"the exported targets do not point into {tree}")

# psml report, experiment and simulate from the prefix: each script in its folder beside psml_tools,
# the package they share, as in the source tree (the installed psml runs these copies).
for command in ("report", "experiment", "simulate"):
    script = f"{prefix}/share/psml/{command}/psml_{command}.py"
    check(os.path.isfile(script), f"installed {os.path.relpath(script, prefix)}")
    p = run("/usr/bin/python3", script, "--help", timeout=60)
    check(p.stdout.startswith(f"usage: psml {command}"), f"the installed psml_{command}.py runs")
    run(f"{prefix}/bin/psml", command, "--help", timeout=60)

# Another project, configured against the prefix only.
configure = [cmake, "-S", f"{source}/examples/train_from_cpp", "-B", example_build,
             f"-DCMAKE_PREFIX_PATH={prefix}"]
if cxx:
    configure.append(f"-DCMAKE_CXX_COMPILER={cxx}")
run(*configure)
run(cmake, "--build", example_build, "-j1", timeout=600)
example = f"{example_build}/train_from_cpp"
check(os.path.isfile(example), "the example built")

# Data from the installed psml program, training by the example on 2 ranks.
train, test, model = f"{work}/train.h5", f"{work}/test.h5", f"{work}/model.h5"
run(f"{prefix}/bin/psml", "data", "synth", "--rows", "2000", "--features", "20", "--classes",
    "4", "--test-rows", "500", "--test-out", test, "--out", train)
p = run(mpiexec, "--oversubscribe", "-n", "2", example, train, test, model)
epochs = re.findall(r"^epoch +(\d+)/5 +train_loss [0-9.]+ .*test_acc ([0-9.]+)", p.stdout, re.M)
check([e for e, _ in epochs] == ["1", "2", "3", "4", "5"], "one line per epoch with loss and accuracy")
check(float(epochs[-1][1]) >= 0.8, f"it learned: test accuracy {epochs[-1][1]} >= 0.8")
check(f"model saved to {model}" in p.stdout and os.path.isfile(model), f"wrote {model}")

# The model is an ordinary psml checkpoint.
p = run(f"{prefix}/bin/psml", "checkpoint", "inspect", model, timeout=60)
check("checksums verified" in p.stdout
      and re.search(r"^model +mlp.*, 20 features, 4 classes", p.stdout, re.M) is not None,
      "psml checkpoint inspect reads it: an mlp on 20 features, 4 classes")
