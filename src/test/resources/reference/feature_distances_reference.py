"""scikit-learn reference for dev.unetscope.metrics.PcaMahalanobis and KnnDistance (FeatureDistancesTest).

Usage: feature_distances_reference.py FOLDER. FOLDER holds train.npy and query.npy (float32, N x D)
and params.txt, "COMPONENTS RIDGE K". Prints two lines of space-separated values, one per query row, computed here
independently:
  Mahalanobis on PCA-reduced features per dimension: PCA(n_components=q).fit(train) with
      q = min(D, COMPONENTS); the projections' covariance (EmpiricalCovariance, 1/n) plus RIDGE on the
      diagonal; sqrt(squared Mahalanobis / q) of each projected query row
  the k-th nearest training row's Euclidean distance (NearestNeighbors, brute force) / sqrt(D)
"""
import os
import sys

import numpy as np
from sklearn.covariance import EmpiricalCovariance
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

folder = sys.argv[1]
with open(os.path.join(folder, "params.txt")) as f:
    c, r, kk = f.read().split()
components, ridge, k = int(c), float(r), int(kk)
train = np.load(os.path.join(folder, "train.npy")).astype(np.float64)
query = np.load(os.path.join(folder, "query.npy")).astype(np.float64)
d = train.shape[1]
q = min(d, components)
pca = PCA(n_components=q, svd_solver="full").fit(train)
pt, pq = pca.transform(train), pca.transform(query)
cov = EmpiricalCovariance(assume_centered=False).fit(pt).covariance_ + ridge * np.eye(q)
diff = pq - pt.mean(axis=0)
m2 = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
print(" ".join(repr(float(v)) for v in np.sqrt(m2 / q)))
dist, _ = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train).kneighbors(query)
print(" ".join(repr(float(v)) for v in dist[:, -1] / np.sqrt(d)))
