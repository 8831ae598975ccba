"""Reloads an exported NAME.pt with torch.jit.load and compares it with recorded eager outputs.

Usage: torchscript_check.py NAME.pt INPUT.npy STEM [NAME.pt INPUT.npy STEM ...]. Runs each module on
its INPUT and prints one line 'STEM <what> <shape> <largest difference>' for: 'prob' against STEM.prob.npy (sigmoid of the output) and/or
'logits' against STEM.logits.npy, whichever exist, then each tap of the sidecar NAME.json against
STEM.tap.<name>.npy. The difference is the exporter's own measure, max |got - want| / (1 + |want|): at most
1e-5 means within its tolerance of 1e-5 absolute plus 1e-5 relative (unetscope_export._close). A missing tap
file or a shape mismatch is an error (exit 1).
"""
import json
import os
import sys

import numpy as np
import torch


def main(pt, inp, stem):
    torch.set_num_threads(2)
    side = json.load(open(pt[:-3] + ".json"))
    mod = torch.jit.load(pt, map_location="cpu")
    mod.eval()
    with torch.no_grad():
        outs = mod(torch.from_numpy(np.load(inp)))
    assert isinstance(outs, tuple) and len(outs) == 1 + len(side["taps"]), f"{len(outs)} outputs"
    checks = []
    if os.path.exists(stem + ".prob.npy"):
        checks.append(("prob", torch.sigmoid(outs[0]), stem + ".prob.npy"))
    if os.path.exists(stem + ".logits.npy"):
        checks.append(("logits", outs[0], stem + ".logits.npy"))
    assert checks, "no recorded output for " + stem
    for t, o in zip(side["taps"], outs[1:]):
        checks.append(("tap." + t["name"], o, f"{stem}.tap.{t['name']}.npy"))
    for what, got, path in checks:
        want = np.load(path)
        assert tuple(got.shape) == want.shape, f"{what}: shape {tuple(got.shape)} vs recorded {want.shape}"
        print(stem, what, "x".join(map(str, want.shape)), float((np.abs(got.numpy() - want) / (1 + np.abs(want))).max()))


if __name__ == "__main__":
    args = sys.argv[1:]
    assert args and len(args) % 3 == 0, "usage: torchscript_check.py NAME.pt INPUT.npy STEM [...]"
    for i in range(0, len(args), 3):
        main(*args[i:i + 3])
