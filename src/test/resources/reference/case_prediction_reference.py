"""Reference numbers from numpy and scikit-learn for dev.unetscope.analysis.CasePrediction (CasePredictionTest).

Usage: case_prediction_reference.py FOLDER. FOLDER/rows.csv has columns x0..x(p-1),y,objective,set,query and
FOLDER/params.txt the failure threshold on its first line and the interval's nominal level on its second.
For each objective in turn, the rows of the other objectives fit StandardScaler (population sd) and
RidgeCV(alphas = 10^(-3 .. 4) in 15 steps) with its leave-one-out squared error; the held-out rows get
that prediction and the CV+ interval calibrated on the other objectives alone (conformal_reference.nested).
Prints JSON: predicted, lo, hi (row order), mae, coverage, the same under "query" with query sets held
out instead of objectives, and with the
held-out prediction as the score: auroc (roc_auc_score(iou < t, -predicted)), caught_10 and caught_20
(failures among the ceil(f n) lowest predictions, stable order, over all failures), and the same within
each (objective's checkpoint, set) group given by the set column: auroc_per_set (mean where defined),
caught_10_per_set, caught_20_per_set (failures caught summed over groups / failures summed).
"""
import csv
import json
import math
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

from conformal_reference import nested

folder = sys.argv[1]
with open(os.path.join(folder, "rows.csv")) as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
p = len(header) - 4
X = np.array([[float(v) for v in r[:p]] for r in body])
y = np.array([float(r[p]) for r in body])
g = np.array([r[p + 1] for r in body])
s = np.array([r[p + 2] for r in body])
qs = np.array([r[p + 3] for r in body])
with open(os.path.join(folder, "params.txt")) as f:
    t = float(f.readline())
    level = float(f.readline())
pred, lo, hi = nested(X, y, g, level)
qpred, qlo, qhi = nested(X, y, qs, level)

def caught(score, failed, frac):
    if failed.sum() == 0:
        return float("nan"), 0
    k = math.ceil(frac * len(score) - 1e-9)
    order = np.argsort(score, kind="stable")
    return float(failed[order[:k]].sum() / failed.sum()), int(failed.sum())


failed = y < t
out = {"predicted": pred.tolist(), "lo": lo.tolist(), "hi": hi.tolist(), "mae": float(np.mean(np.abs(pred - y))),
       "coverage": float(np.mean((lo <= y) & (y <= hi))), "auroc": float(roc_auc_score(failed.astype(int), -pred)),
       "caught_10": caught(pred, failed, 0.1)[0], "caught_20": caught(pred, failed, 0.2)[0],
       "query": {"predicted": qpred.tolist(), "lo": qlo.tolist(), "hi": qhi.tolist(), "mae": float(np.mean(np.abs(qpred - y))),
                 "coverage": float(np.mean((qlo <= y) & (y <= qhi)))}}
aucs, hits, total = [], [0.0, 0.0], 0
for key in dict.fromkeys(s):
    m = s == key
    f = failed[m]
    if 0 < f.sum() < len(f):
        aucs.append(roc_auc_score(f.astype(int), -pred[m]))
    if f.sum() == 0:
        continue
    total += int(f.sum())
    for b, frac in enumerate((0.1, 0.2)):
        hits[b] += caught(pred[m], f, frac)[0] * f.sum()
out["auroc_per_set"] = float(np.mean(aucs))
out["caught_10_per_set"] = hits[0] / total
out["caught_20_per_set"] = hits[1] / total
print(json.dumps(out))
