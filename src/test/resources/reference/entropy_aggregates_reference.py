"""numpy/scipy reference for dev.unetscope.metrics.EntropyAggregates (EntropyAggregatesTest).

Usage: entropy_aggregates_reference.py FOLDER. FOLDER holds p.npy (float32, shape d x h x w).
Prints four lines, computed here independently:
  the boundary band's flat indices (C order), space-separated:
      binary_dilation(M) & ~binary_erosion(M), structure generate_binary_structure(3, 1),
      border_value 0 (outside the volume is background), M = p >= 0.5
  mean binary entropy (bits) over M
  mean binary entropy over the band
  max over whole non-overlapping 4 x 8 x 8 patches (axes shorter than the patch: the whole axis)
      of the patch's mean entropy
"""
import os
import sys

import numpy as np
from scipy import ndimage

p = np.load(os.path.join(sys.argv[1], "p.npy"))
m = p >= np.float32(0.5)
q = np.clip(p.astype(np.float64), 0, 1)
with np.errstate(divide="ignore", invalid="ignore"):
    h = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
h = np.where((q <= 0) | (q >= 1), 0.0, h)
s = ndimage.generate_binary_structure(3, 1)
band = ndimage.binary_dilation(m, structure=s) & ~ndimage.binary_erosion(m, structure=s, border_value=0)
print(" ".join(str(i) for i in np.flatnonzero(band)))
print(repr(float(h[m].mean())))
print(repr(float(h[band].mean())))
size = [min(a, b) for a, b in zip((4, 8, 8), p.shape)]
n = [a // b for a, b in zip(p.shape, size)]
crop = h[: n[0] * size[0], : n[1] * size[1], : n[2] * size[2]]
means = crop.reshape(n[0], size[0], n[1], size[1], n[2], size[2]).mean(axis=(1, 3, 5))
print(repr(float(means.max())))
