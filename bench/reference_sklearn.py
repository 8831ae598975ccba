#!/usr/bin/python3
"""The scikit-learn side of the cluster benchmark (dev.unetscope.metrics.ClusterBenchmark).

Same work with sklearn defaults: KMeans(8, n_init=3, max_iter=300, tol=1e-4), GaussianMixture(4)
diagonal and full (reg_covar 1e-6, tol 1e-3, max_iter 100, init kmeans) fit then score, and
davies_bouldin_score on the blobs' labels; float32 blobs (8 centres in [-10, 10]^d, std 1).
Threads: set OMP_NUM_THREADS / OPENBLAS_NUM_THREADS (default 2) before numpy loads.

    /usr/bin/python3 bench/reference_sklearn.py --points 200000 --dims 32 --threads 2 --repeats 3
"""
import argparse
import os
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--points", type=int, default=200_000)
p.add_argument("--dims", type=int, default=32)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(a.threads)

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.metrics import davies_bouldin_score  # noqa: E402


def blobs(n, d, centers, seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(-10, 10, size=(centers, d))
    labels = np.arange(n) % centers
    x = (c[labels] + rng.standard_normal((n, d))).astype(np.float32)
    return x, labels


x, labels = blobs(a.points, a.dims, 8, a.seed)
names = ["k-means (k 8, 3 runs)", "diagonal mixture (k 4)", "full mixture (k 4)", "Davies-Bouldin"]
times = [[] for _ in names]
cpu = [[] for _ in names]
for r in range(a.repeats):
    work = [
        lambda: KMeans(n_clusters=8, n_init=3, max_iter=300, tol=1e-4, random_state=a.seed + r).fit(x),
        lambda: GaussianMixture(4, covariance_type="diag", random_state=a.seed + r).fit(x).score(x),
        lambda: GaussianMixture(4, covariance_type="full", random_state=a.seed + r).fit(x).score(x),
        lambda: davies_bouldin_score(x, labels),
    ]
    for i, w in enumerate(work):
        c0, t0 = time.process_time(), time.perf_counter()
        w()
        times[i].append(time.perf_counter() - t0)
        cpu[i].append(time.process_time() - c0)  # the process's CPU time, all threads: steadier on a shared machine
print(f"sklearn {__import__('sklearn').__version__}: {a.points} points x {a.dims} dims, median of {a.repeats}, {a.threads} threads")
total = total_cpu = 0.0
for name, t, c in zip(names, times, cpu):
    m, mc = float(np.median(t)), float(np.median(c))
    total += m
    total_cpu += mc
    print(f"{name:<22} {m:8.3f} s   cpu {mc:8.3f} s")
print(f"{'total':<22} {total:8.3f} s   cpu {total_cpu:8.3f} s")
sys.stdout.flush()
