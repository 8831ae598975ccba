# Recomputes two interior metrics from exported .npy files with scikit-learn, as a scientist would:
# db_labels of a layer, and the k=1 full-covariance confidence (train fit, query score, per dimension).
import sys
import numpy as np
from sklearn.metrics import davies_bouldin_score
from sklearn.mixture import GaussianMixture

train_dir, query_dir, layer = sys.argv[1], sys.argv[2], sys.argv[3]
q = np.load(f"{query_dir}/{layer}.npy").astype(np.float64)
labels = np.load(f"{query_dir}/labels_{layer}.npy")
t = np.load(f"{train_dir}/{layer}.npy").astype(np.float64)
db = davies_bouldin_score(q, labels)
g = GaussianMixture(n_components=1, covariance_type="full", reg_covar=1e-6).fit(t)
conf = g.score(q) / q.shape[1]
print(f"{db:.10g} {conf:.10g}")
