"""Reference for dev.unetscope.model.SlidingWindowNetwork (SlidingWindowTest), in plain torch.

Usage: sliding_window_reference.py FOLDER (FOLDER holds a copy of python/unetscope_export.py).
Builds a seeded network whose receptive field is 3 x 3 x 3 (a 3x3x3 convolution, zero padding, then 1x1x1) with
taps "local" (the first convolution's activation, stride 1) and "pooled" (its 2x2x2 average pool,
stride 2), exports it with the shipped exporter as FOLDER/sw.pt + sw.json, and writes for the input
x.f32 (1 x 1 x 12 x 20 x 24, seeded):
  whole.f32  sigmoid probabilities of one pass over the whole volume
  sliding.f32  Gaussian-weighted sliding-window probabilities, patch 8 x 12 x 12, overlap 0.5,
             sigma_scale 0.125, computed here from MONAI's definitions (compute_importance_map:
             exp(-x^2 / (2 sigma^2)) per axis, x from -(p-1)/2 to (p-1)/2, sigma = 0.125 p, product over
             axes, clamped below at max(min, 1e-3); windows k * interval, the last moved back to end at
             the edge, interval = int(p * (1 - overlap)) rounded down to a multiple of the size divisor;
             output = sum(w * sigmoid(patch logits)) / sum(w))
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

folder = sys.argv[1]
sys.path.insert(0, folder)
from unetscope_export import export  # noqa: E402


class Local(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 8, 3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.AvgPool3d(2)
        self.conv2 = nn.Conv3d(8, 1, 1)

    def forward(self, x):
        h = self.act(self.conv1(x))
        self.pool(h)  # a tap only
        return self.conv2(h)


torch.manual_seed(3)
net = Local().eval()
export(net, torch.randn(1, 1, 8, 12, 12), {"local": "act", "pooled": "pool"}, os.path.join(folder, "sw.pt"),
       activation="sigmoid", foreground=[0])
side = json.load(open(os.path.join(folder, "sw.json")))
divisor = side["size_divisor"]

g = torch.Generator().manual_seed(11)
x = torch.randn(1, 1, 12, 20, 24, generator=g)
x.numpy().astype("<f4").tofile(os.path.join(folder, "x.f32"))
with torch.no_grad():
    torch.sigmoid(net(x)).numpy().astype("<f4").tofile(os.path.join(folder, "whole.f32"))

patch, overlap, sigma_scale = [8, 12, 12], 0.5, 0.125


def importance(p):
    m = None
    for i, n in enumerate(p):
        t = torch.arange(start=-(n - 1) / 2.0, end=(n - 1) / 2.0 + 1, dtype=torch.float)
        t = torch.exp(t ** 2 / (-2 * (n * sigma_scale) ** 2))
        m = t if i == 0 else m.unsqueeze(-1) * t[(None,) * i]
    floor = max(torch.min(m).item(), 1e-3)
    return torch.clamp(m, min=floor)


def starts(n, p, d):
    if p >= n:
        return [0]
    interval = max(d, int(p * (1 - overlap)) // d * d)
    out, k = [], 0
    while True:
        s = k * interval
        if s + p >= n:
            out.append(n - p)
            return out
        out.append(s)
        k += 1


w = importance(patch)
size = x.shape[2:]
num = torch.zeros(size, dtype=torch.float64)
den = torch.zeros(size, dtype=torch.float64)
with torch.no_grad():
    for z in starts(size[0], patch[0], divisor[0]):
        for y in starts(size[1], patch[1], divisor[1]):
            for xx in starts(size[2], patch[2], divisor[2]):
                win = x[:, :, z:z + patch[0], y:y + patch[1], xx:xx + patch[2]]
                p = torch.sigmoid(net(win))[0, 0].double()
                num[z:z + patch[0], y:y + patch[1], xx:xx + patch[2]] += w.double() * p
                den[z:z + patch[0], y:y + patch[1], xx:xx + patch[2]] += w.double()
(num / den).numpy().astype("<f4").tofile(os.path.join(folder, "sliding.f32"))
print(json.dumps({"divisor": divisor, "starts": [starts(n, p, d) for n, p, d in zip(size, patch, divisor)]}))
