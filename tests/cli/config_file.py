"""psml train --config FILE (TOML): a run configured by the file, flags overriding it, one error
naming the file for an unknown key or a bad value, and --print-config's output read back as a
configuration (Python's tomllib must read it too).

  config_file.py PSML MPIEXEC DATA_DIR WORK_DIR
"""
import os, re, shutil, sys, tomllib
from harness import check, logged_run

psml, mpiexec, data, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def run(*args, ranks=2):
    return logged_run([mpiexec, "--oversubscribe", "-n", str(ranks), psml, "train", *args])


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


base = f'data = "{data}/train.h5"\ntest = "{data}/test.h5"\nmodel = "mlp"\nhidden = [16, 8]\n' \
       f'optimizer = "adam"\nlr = 0.01\nepochs = 2\nbatch = 64\n'
run_toml = write("run.toml", base)
p = run("--config", run_toml)
epochs = re.findall(r"^epoch +\d+/(\d+)", p.stdout, re.M)
check(p.returncode == 0 and epochs == ["2", "2"], f"the file's 2 epochs ran ({epochs})")
check("hidden=16,8" in p.stdout, "the file's hidden layers were used")
p = run("--config", run_toml, "--epochs", "1")
epochs = re.findall(r"^epoch +\d+/(\d+)", p.stdout, re.M)
check(p.returncode == 0 and epochs == ["1"], f"--epochs 1 on the command line overrides the file ({epochs})")

bad = write("bad_key.toml", base + "epoch = 3\n")
p = run("--config", bad)
errors = re.findall(r"^psml: error: .*$", p.stderr, re.M)
check(p.returncode == 2 and errors == [f"psml: error: {bad}: unknown key 'epoch' (see psml train --help)"],
      f"an unknown key is one error naming the file and the key: {errors}")
bad = write("bad_value.toml", base.replace("epochs = 2", 'epochs = "many"'))
p = run("--config", bad)
errors = re.findall(r"^psml: error: .*$", p.stderr, re.M)
check(p.returncode == 2 and len(errors) == 1 and errors[0].startswith(f"psml: error: {bad}: --epochs"),
      f"a bad value is one error naming the file and the option: {errors}")

p = run("--print-config", ranks=1)
check(p.returncode == 0, "--print-config exits 0")
defaults = tomllib.loads(p.stdout)
for key in ("data", "epochs", "batch", "lr", "model", "allreduce", "data-memory", "deadline"):
    check(key in defaults, f"--print-config has '{key}' ({defaults.get(key)!r})")
# The printed defaults, with the data filled in, configure a run.
text = p.stdout.replace('data=""', f'data="{data}/train.h5"').replace('data = ""', f'data = "{data}/train.h5"')
printed = write("printed.toml", text)
p = run("--config", printed, "--epochs", "1", "--model", "softmax")
check(p.returncode == 0 and re.search(r"^epoch +1/1", p.stdout, re.M) is not None,
      "--print-config's output, read back, configures a run")
# --print-config honours --config: the file's options and the command line's, merged as a run
# takes them (wherever --print-config stands among them), the rest at their defaults.
p = run("--print-config", "--config", run_toml, "--epochs", "1", ranks=1)
merged = tomllib.loads(p.stdout)
check(p.returncode == 0 and merged.get("model") == "mlp" and merged.get("hidden") == [16, 8]
      and merged.get("optimizer") == "adam" and merged.get("epochs") == 1
      and merged.get("batch") == 64 and merged.get("lr-schedule") == "constant",
      f"--print-config prints the merged configuration ({ {k: merged.get(k) for k in ('model', 'hidden', 'epochs', 'batch')} })")
merged_file = write("merged.toml", p.stdout)
p = run("--config", merged_file)
epochs = re.findall(r"^epoch +\d+/(\d+)", p.stdout, re.M)
check(p.returncode == 0 and epochs == ["1"] and "hidden=16,8" in p.stdout,
      f"the merged configuration, read back, runs the same ({epochs})")
print("PASS")
