"""Reference numbers from scikit-learn for dev.unetscope.metrics (SklearnReferenceTest).

Writes each case's features as raw little-endian float32 (<case>.f32, n x d row-major) and labels
as int32 (<case>.labels.i32) into the folder given as the only argument, and prints JSON with the
shapes and sklearn's davies_bouldin_score, KMeans(8, n_init=3).inertia_ and
GaussianMixture(4, diag / full).score(X). The scores use float64 copies of the float32 data, so
they are the exact values of the same points.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import davies_bouldin_score
from sklearn.mixture import GaussianMixture

out = sys.argv[1]
cases = []


def case(name, x, labels):
    x = np.ascontiguousarray(x, dtype=np.float32)
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    x.astype("<f4").tofile(os.path.join(out, name + ".f32"))
    labels.astype("<i4").tofile(os.path.join(out, name + ".labels.i32"))
    x64 = x.astype(np.float64)
    km = KMeans(n_clusters=8, n_init=3, random_state=0).fit(x)
    r = {
        "name": name,
        "n": int(x.shape[0]),
        "d": int(x.shape[1]),
        "davies_bouldin": float(davies_bouldin_score(x64, labels)),
        "kmeans8_inertia": float(km.inertia_),
        "kmeans8_davies_bouldin": float(davies_bouldin_score(x64, km.labels_)),
    }
    for cov in ("diag", "full"):
        g = GaussianMixture(4, covariance_type=cov, random_state=0).fit(x64)
        r["gmm4_" + cov + "_score"] = float(g.score(x64))
        r["gmm4_" + cov + "_converged"] = bool(g.converged_)
    cases.append(r)


# eight well-separated blobs
x, y = make_blobs(n_samples=3000, n_features=5, centers=8, cluster_std=1.0, center_box=(-20, 20), random_state=0)
case("blobs8", x, y)

# four overlapping blobs plus a constant column (zero variance: reg_covar keeps it finite); labels at random
x, y = make_blobs(n_samples=2000, n_features=6, centers=4, cluster_std=1.5, center_box=(-6, 6), random_state=1)
x = np.hstack([x, np.full((x.shape[0], 1), 3.0)])
case("overlap4_const", x, np.random.default_rng(2).integers(0, 3, size=x.shape[0]))

print(json.dumps({"sklearn": sklearn.__version__, "cases": cases}))
