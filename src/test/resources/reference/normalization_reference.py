"""numpy reference for dev.unetscope.data.Normalization (NormalizationTest).

Usage: normalization_reference.py FOLDER. FOLDER holds x.f32 (float32 little endian, the volume) and
params.json ({"low", "high", "mean", "std", "clip"}); writes NAME.f32 for each normalisation, computed
here from the formulas as nnU-Net writes them (numpy, float64 statistics):
  zscore          (x - x.mean()) / max(x.std(), 1e-8)
  zscore-nonzero  nonzero voxels: (x - m) / max(s, 1e-8) with m, s over them; zero voxels stay 0
  zscore-otsu     Otsu threshold on a 256-bin histogram over [min, max]; body = x > threshold;
                  (x - median(body)) / (1.4826 * median(|body - median(body)|)), clipped to +-clip
  ct              (clip(x, low, high) - mean) / max(std, 1e-8)
  window          (clip(x, low, high) - low) / (high - low)
"""
import json
import os
import sys

import numpy as np

folder = sys.argv[1]
x = np.fromfile(os.path.join(folder, "x.f32"), dtype="<f4").astype(np.float64)
p = json.load(open(os.path.join(folder, "params.json")))


def otsu(v):
    lo, hi = v.min(), v.max()
    hist, edges = np.histogram(v, bins=256, range=(lo, hi))
    i = np.arange(256, dtype=np.float64)
    wb = np.cumsum(hist).astype(np.float64)
    wf = v.size - wb
    sb = np.cumsum(i * hist)
    mb = sb / np.where(wb > 0, wb, 1)
    mf = (np.sum(i * hist) - sb) / np.where(wf > 0, wf, 1)
    between = wb * wf * (mb - mf) ** 2
    between[(wb == 0) | (wf == 0)] = -1
    return lo + (np.argmax(between) + 1) * (hi - lo) / 256


out = {}
out["zscore"] = (x - x.mean()) / max(x.std(), 1e-8)
nz = x != 0
z = np.zeros_like(x)
z[nz] = (x[nz] - x[nz].mean()) / max(x[nz].std(), 1e-8)
out["zscore-nonzero"] = z
body = x[x > otsu(x)]
med = np.median(body)
mad = np.median(np.abs(body - med))
out["zscore-otsu"] = np.clip((x - med) / (1.4826 * mad), -p["clip"], p["clip"])
out["ct"] = (np.clip(x, p["low"], p["high"]) - p["mean"]) / max(p["std"], 1e-8)
out["window"] = (np.clip(x, p["low"], p["high"]) - p["low"]) / (p["high"] - p["low"])
for name, v in out.items():
    v.astype("<f4").tofile(os.path.join(folder, name + ".f32"))
print(json.dumps(sorted(out)))
