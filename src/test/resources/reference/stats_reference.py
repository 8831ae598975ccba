"""Reference numbers from scipy and scikit-learn for dev.unetscope.analysis (StatsReferenceTest).

Usage: stats_reference.py FOLDER. The Java test writes seeded data into FOLDER:
  corr_<name>.csv   columns x,y,g        (g: group id, for the within-group case)
  auroc_<name>.csv  columns score,failed (failed: 0/1)
  ridge.csv         columns x0..x(p-1),y
  ridge_alphas.txt  one alpha a line
and this script prints JSON on stdout:
  corr.<name>: scipy.stats pearsonr, spearmanr, kendalltau (default: tau-b, method='auto') as
    [statistic, pvalue], and for Kendall the method 'auto' picked; within.<name>: the same three
    coefficients of x and y centred on their group's mean (groups of one dropped), with the
    repeated-measures p of Pearson and Spearman (t-test, n - G - 1 degrees of freedom);
  auroc.<name>: sklearn.metrics.roc_auc_score(failed, -score);
  ridge: X standardised by StandardScaler (population sd); for each alpha sklearn
    Ridge(alpha).coef_ and intercept_ on it, and RidgeCV(alphas, store_cv_values=True)'s mean
    leave-one-out squared error per alpha and chosen alpha_.
"""
import csv
import glob
import json
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

folder = sys.argv[1]


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], np.array([[float(v) for v in r] for r in rows[1:]])


def kendall_method(x, y):
    # scipy's method='auto' rule, to report which p-value path was taken
    n = len(x)
    ties = len(np.unique(x)) < n or len(np.unique(y)) < n
    if ties:
        return "asymptotic"
    tot = n * (n - 1) // 2
    dis = sum(1 for i in range(n) for j in range(i + 1, n) if (x[i] - x[j]) * (y[i] - y[j]) < 0)
    return "exact" if (n <= 33 or min(dis, tot - dis) <= 1) else "asymptotic"


out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
       "corr": {}, "within": {}, "auroc": {}}
for path in sorted(glob.glob(os.path.join(folder, "corr_*.csv"))):
    name = os.path.basename(path)[5:-4]
    _, d = read(path)
    x, y, g = d[:, 0], d[:, 1], d[:, 2].astype(int)
    pr = stats.pearsonr(x, y)
    sr = stats.spearmanr(x, y)
    kt = stats.kendalltau(x, y)
    out["corr"][name] = {
        "n": len(x),
        "pearson": [float(pr[0]), float(pr[1])],
        "spearman": [float(sr[0]), float(sr[1])],
        "kendall": [float(kt[0]), float(kt[1])],
        "kendall_method": kendall_method(x, y),
    }
    ids, counts = np.unique(g, return_counts=True)
    multi = ids[counts >= 2]
    if len(multi) >= 3:  # within-group reference only where there are several groups of 2 or more
        keep = np.isin(g, multi)
        xc, yc, gc = x[keep].copy(), y[keep].copy(), g[keep]
        for gid in multi:
            m = gc == gid
            xc[m] -= xc[m].mean()
            yc[m] -= yc[m].mean()
        df = len(xc) - len(multi) - 1
        res = {}
        for key, fn in (("pearson", stats.pearsonr), ("spearman", stats.spearmanr)):
            r = float(fn(xc, yc)[0])
            t = r * np.sqrt(df / ((1 - r) * (1 + r)))
            res[key] = [r, float(2 * stats.t.sf(abs(t), df))]
        kt = stats.kendalltau(xc, yc)
        res["kendall"] = [float(kt[0]), float(kt[1])]
        res["n"] = int(len(xc))
        out["within"][name] = res

for path in sorted(glob.glob(os.path.join(folder, "auroc_*.csv"))):
    name = os.path.basename(path)[6:-4]
    _, d = read(path)
    out["auroc"][name] = float(roc_auc_score(d[:, 1].astype(int), -d[:, 0]))

header, d = read(os.path.join(folder, "ridge.csv"))
X, y = d[:, :-1], d[:, -1]
with open(os.path.join(folder, "ridge_alphas.txt")) as f:
    alphas = [float(line) for line in f if line.strip()]
Z = StandardScaler().fit_transform(X)
ridge = {"alphas": alphas, "coef": [], "intercept": [], "mean": X.mean(axis=0).tolist(), "sd": X.std(axis=0).tolist()}
for a in alphas:
    m = Ridge(alpha=a).fit(Z, y)
    ridge["coef"].append(m.coef_.tolist())
    ridge["intercept"].append(float(m.intercept_))
cv = RidgeCV(alphas=alphas, store_cv_values=True).fit(Z, y)
ridge["loo_mse"] = cv.cv_values_.mean(axis=0).tolist()
ridge["alpha_"] = float(cv.alpha_)
out["ridge"] = ridge
print(json.dumps(out))
