"""k-means time per Lloyd iteration: psml on N ranks vs scikit-learn's KMeans on N threads, side
by side on Fashion-MNIST (training set, pixels / 255), k = 10.

  /usr/bin/python3 bench/kmeans_vs_sklearn.py [--ranks 2] [--repeats 3]

psml's figure is the median iteration time it prints; scikit-learn's is the fit time of a fixed
number of Lloyd iterations (tol=0, start from given centroids, so no initialisation) divided by
that number. Both read the same data: psml from data/fmnist-train.h5 (bash scripts/demo.sh makes
it), scikit-learn from the IDX file of Debian's dataset-fashion-mnist, divided by 255 the same way.
Needs python3-sklearn.
"""
import argparse, os, re, statistics, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps"))
from psml_tools.open_mpi import open_mpi_env  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--iterations", type=int, default=30)
ap.add_argument("--psml", default="build/bin/psml")
ap.add_argument("--data", default="data/fmnist-train.h5")
a = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = str(a.ranks)  # before numpy / scikit-learn start their pools

import gzip
import numpy as np
from sklearn.cluster import KMeans

D = "/usr/share/datasets/fashion-mnist/"
with gzip.open(D + "train-images-idx3-ubyte.gz") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255

psml_ms, sk_ms = [], []
for r in range(a.repeats):
    cmd = ["mpirun", "--oversubscribe", "-np", str(a.ranks), a.psml, "fit", "kmeans", "--data",
           a.data, "--k", "10", "--tol", "0", "--max-iter", str(a.iterations)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=open_mpi_env()).stdout
    psml_ms.append(float(re.search(r"median iteration ([0-9.]+) ms", out).group(1)))
    init = x[np.random.default_rng(r).choice(len(x), 10, replace=False)]
    km = KMeans(10, init=init, n_init=1, max_iter=a.iterations, tol=0, algorithm="lloyd")
    start = time.perf_counter()
    km.fit(x)
    sk_ms.append(1e3 * (time.perf_counter() - start) / km.n_iter_)
    print(f"repeat {r + 1}: psml {psml_ms[-1]:.1f} ms/iteration ({a.ranks} ranks), "
          f"scikit-learn {sk_ms[-1]:.1f} ms/iteration ({a.ranks} threads, {km.n_iter_} iterations)",
          flush=True)
p, s = statistics.median(psml_ms), statistics.median(sk_ms)
print(f"median: psml {p:.1f} ms, scikit-learn {s:.1f} ms per iteration; psml/scikit-learn = {p / s:.2f}")
