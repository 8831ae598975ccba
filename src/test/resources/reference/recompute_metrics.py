# Recomputes interior metrics from exported .npy files with scikit-learn, as a scientist would:
# db_labels of a layer; the k=1 full-covariance confidence (train fit, query score, per dimension);
# and the seed's roughness: k-means clusters of the input layer's features, Davies-Bouldin of the
# layer's features grouped by them. k-means has many local optima, so scikit-learn's Lloyd iterations
# start from the centroids of the exported clusters (clusters_LAYER.npy): they must not move, i.e.
# the exported clusters are a converged k-means solution of the exported input features.
# Prints: db_labels, confidence, roughness (sklearn), share of points sklearn keeps in their cluster,
# inertia ratio of the exported clusters to sklearn's best of 20 random starts; then the feature
# distances: Mahalanobis per dimension on the first 16 principal components (PCA + EmpiricalCovariance,
# ridge 1e-3) and the 5th nearest neighbour's distance per dimension (NearestNeighbors) among 2048
# training rows drawn as the analysis draws them (java.util.Random(1), a partial Fisher-Yates
# shuffle, re-implemented below), each the mean over the query rows; the same Mahalanobis on the cases'
# average-pooled features.
import sys
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score
from sklearn.mixture import GaussianMixture

train_dir, query_dir, layer, input_layer, k = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
q = np.load(f"{query_dir}/{layer}.npy").astype(np.float64)
labels = np.load(f"{query_dir}/labels_{layer}.npy")
t = np.load(f"{train_dir}/{layer}.npy").astype(np.float64)
db = davies_bouldin_score(q, labels)
g = GaussianMixture(n_components=1, covariance_type="full", reg_covar=1e-6).fit(t)
conf = g.score(q) / q.shape[1]
x_in = np.load(f"{query_dir}/{input_layer}.npy").astype(np.float64)
ours = np.load(f"{query_dir}/clusters_{layer}.npy").reshape(-1)
centroids = np.stack([x_in[ours == j].mean(axis=0) for j in range(k)])
km = KMeans(n_clusters=k, init=centroids, n_init=1).fit(x_in)
kept = float(np.mean(km.labels_ == ours))
roughness = davies_bouldin_score(q, km.labels_)
inertia_ours = sum(((x_in[ours == j] - centroids[j]) ** 2).sum() for j in range(k))
best = KMeans(n_clusters=k, n_init=20, random_state=0).fit(x_in).inertia_


class JavaRandom:
    # java.util.Random: the 48-bit linear congruential generator and nextInt(bound) as the JDK documents them
    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)

    def next(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        r = self.seed >> (48 - bits)
        return r - (1 << 32) if r >= 1 << 31 else r  # Java's (int) cast: only next(32) can be negative

    def next_int(self, bound):
        if bound & -bound == bound:
            return (bound * self.next(31)) >> 31
        while True:
            bits = self.next(31)
            val = bits % bound
            if bits - val + (bound - 1) < 1 << 31:
                return val


def reference_rows(n, m, seed):
    idx = list(range(n))
    if m >= n:
        return np.array(idx)
    rnd = JavaRandom(seed)
    for i in range(m):
        j = i + rnd.next_int(n - i)
        idx[i], idx[j] = idx[j], idx[i]
    return np.sort(np.array(idx[:m]))


from sklearn.covariance import EmpiricalCovariance
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

ncomp = min(t.shape[1], 16)
pca = PCA(n_components=ncomp, svd_solver="full").fit(t)
pt, pq = pca.transform(t), pca.transform(q)
cov = EmpiricalCovariance().fit(pt).covariance_ + 1e-3 * np.eye(ncomp)
diff = pq - pt.mean(axis=0)
maha_pca = np.sqrt(np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff) / ncomp).mean()
ref = t[reference_rows(t.shape[0], 2048, 1)]
knn = (NearestNeighbors(n_neighbors=5, algorithm="brute").fit(ref).kneighbors(q)[0][:, -1] / np.sqrt(t.shape[1])).mean()
# average pooling per case (positions.npy's first column is the case), then PCA + EmpiricalCovariance on the
# training cases' means, at most n_cases - 1 components; the mean over the query cases
def pooled(x, folder):
    case = np.load(f"{folder}/positions.npy")[:, 0]
    return np.stack([x[case == c].mean(axis=0) for c in np.unique(case)])


pt_cases, pq_cases = pooled(t, train_dir), pooled(q, query_dir)
npool = max(1, min(t.shape[1], 16, pt_cases.shape[0] - 1))
pca = PCA(n_components=npool, svd_solver="full").fit(pt_cases)
a, b = pca.transform(pt_cases), pca.transform(pq_cases)
cov = EmpiricalCovariance().fit(a).covariance_ + 1e-3 * np.eye(npool)
diff = b - a.mean(axis=0)
maha_pooled = np.sqrt(np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff) / npool).mean()
print(f"{db:.10g} {conf:.10g} {roughness:.10g} {kept:.10g} {inertia_ours / best:.10g} {maha_pca:.10g} {knn:.10g} {maha_pooled:.10g}")
