"""Reference numbers from numpy and scikit-learn for dev.unetscope.analysis.ConformalInterval and the
jackknife+ over groups of RidgePredictor (RidgePredictorTest), written from Barber, Candes, Ramdas and
Tibshirani, "Predictive inference with the jackknife+" (Annals of Statistics 2021), CV+ with the groups
as folds.

Usage: conformal_reference.py FOLDER. FOLDER/rows.csv has columns x0..x(p-1),y,group; FOLDER/new.csv
has columns x0..x(p-1) (no header); FOLDER/params.txt the nominal level on its first line. Each model is
StandardScaler (population sd) then RidgeCV(alphas = 10^(-3 .. 4) in 15 steps, leave-one-out). Prints
JSON: lo, hi at the new rows (CV+ over all rows' groups), and cv_predicted, cv_lo, cv_hi per row: each
group held out in turn, the point prediction of the model fitted on the other groups and the CV+
interval calibrated on the other groups alone (nested), and cv_coverage.
"""
import csv
import json
import math
import os
import sys

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import StandardScaler

ALPHAS = [10 ** (-3 + 7 * i / 14) for i in range(15)]


def fit(X, y):
    """A fitted predict function: standardise with the training rows, RidgeCV by leave-one-out."""
    keep = np.ptp(X, axis=0) > 0
    if not keep.any():
        m = float(np.mean(y))
        return lambda Z: np.full(len(Z), m)
    sc = StandardScaler().fit(X[:, keep])
    r = RidgeCV(alphas=ALPHAS).fit(sc.transform(X[:, keep]), y)
    return lambda Z: r.predict(sc.transform(Z[:, keep]))


def cv_plus(X, y, g, Xnew, level):
    """CV+ intervals at Xnew with the distinct values of g as folds."""
    minus, plus = [], []
    for k in dict.fromkeys(g):
        tr, te = g != k, g == k
        f = fit(X[tr], y[tr])
        res = np.abs(y[te] - f(X[te]))
        mu = f(Xnew)
        minus.append(mu[:, None] - res[None, :])
        plus.append(mu[:, None] + res[None, :])
    minus, plus = np.concatenate(minus, axis=1), np.concatenate(plus, axis=1)
    n = minus.shape[1]
    k_lo = math.floor((1 - level) * (n + 1) + 1e-9)
    k_hi = n + 1 - k_lo
    lo = np.sort(minus, axis=1)[:, k_lo - 1] if k_lo >= 1 else np.full(len(Xnew), -np.inf)
    hi = np.sort(plus, axis=1)[:, k_hi - 1] if k_hi <= n else np.full(len(Xnew), np.inf)
    return lo, hi


def nested(X, y, g, level):
    """Each group held out: point prediction from the others, CV+ interval calibrated on the others."""
    pred, lo, hi = np.full(len(y), np.nan), np.full(len(y), np.nan), np.full(len(y), np.nan)
    for k in dict.fromkeys(g):
        tr, te = g != k, g == k
        pred[te] = fit(X[tr], y[tr])(X[te])
        if len(set(g[tr])) >= 2:
            lo[te], hi[te] = cv_plus(X[tr], y[tr], g[tr], X[te], level)
    return pred, lo, hi


if __name__ == "__main__":
    folder = sys.argv[1]
    with open(os.path.join(folder, "rows.csv")) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    p = len(header) - 2
    X = np.array([[float(v) for v in r[:p]] for r in body])
    y = np.array([float(r[p]) for r in body])
    g = np.array([r[p + 1] for r in body])
    with open(os.path.join(folder, "new.csv")) as f:
        Xnew = np.array([[float(v) for v in r] for r in csv.reader(f)])
    with open(os.path.join(folder, "params.txt")) as f:
        level = float(f.readline())
    lo, hi = cv_plus(X, y, g, Xnew, level)
    pred, clo, chi = nested(X, y, g, level)
    out = {"lo": lo.tolist(), "hi": hi.tolist(), "cv_predicted": pred.tolist(), "cv_lo": clo.tolist(), "cv_hi": chi.tolist(),
           "cv_coverage": float(np.mean((clo <= y) & (y <= chi)))}
    print(json.dumps(out))
