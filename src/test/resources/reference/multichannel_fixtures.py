"""Fixtures for MultiChannelTest: a small plain-PyTorch UNet with 2 input channels, trained a few seeded
steps on 2-channel phantoms and exported with the shipped exporter (python/unetscope_export.py).

Usage: multichannel_fixtures.py OUTDIR. The network is MONAI's UNet topology (the exporter's plain-PyTorch
transcription) with in_channels 2, channels 8,16,32, strides 2,2, one residual unit; taps auto (enc1 enc2
bottleneck dec2). The phantoms have two co-registered channels as multi-parametric MRI has: channel 0 a
"T2" (a bright ellipsoid blob, the mask, in noise), channel 1 a derived contrast (the blob dark on a
brighter background, as restricted diffusion looks on an ADC map, with its own noise). Trained with Adam
and binary cross-entropy on batches of 2 x 2 x 8 x 32 x 32; the state dict after steps 2 and 4 is loaded
into a fresh network and exported as OUTDIR/step-00000N.pt + .json, normalisation z-score per channel
(recorded once per channel), spacing 3,3,6 mm. For the fixed input OUTDIR/input.npy (1 x 2 x 8 x 40 x 48)
it writes eager PyTorch's sigmoid probabilities (step-00000N.prob.npy, 1 x 8 x 40 x 48) and every tap
(step-00000N.tap.NAME.npy). Prints one line per export.
"""
import os
import sys

import numpy as np
import torch

from monai_unet import UNet  # the exporter's transcription (finds python/)
from unetscope_export import export, auto_taps  # noqa: E402
from exporter_fixtures import train  # noqa: E402  (the same seeded training loop)

STEPS = (2, 4)


def phantoms(g, n, size):
    d, h, w = size
    zz, yy, xx = torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing="ij")
    xs, ms = [], []
    for _ in range(n):
        c = [float(torch.randint(2, s - 2, (1,), generator=g)) for s in size]
        r = [2.0 + float(torch.rand(1, generator=g)) * 1.5, 4 + float(torch.rand(1, generator=g)) * 5,
             4 + float(torch.rand(1, generator=g)) * 5]
        m = (((zz - c[0]) / r[0]) ** 2 + ((yy - c[1]) / r[1]) ** 2 + ((xx - c[2]) / r[2]) ** 2 <= 1).float()
        t2 = m * 2.0 + 0.5 * torch.randn(size, generator=g)
        adc = 1.5 - m * 1.2 + 0.3 * torch.randn(size, generator=g)
        xs.append(torch.stack([t2, adc]))
        ms.append(m)
    return torch.stack(xs), torch.stack(ms)[:, None]


def make():
    return UNet(2, 1, channels=(8, 16, 32), strides=(2, 2), num_res_units=1)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(3)
    fixed = phantoms(torch.Generator().manual_seed(99), 1, (8, 40, 48))[0]
    np.save(os.path.join(out, "input.npy"), fixed.numpy())
    example = phantoms(torch.Generator().manual_seed(98), 1, (8, 32, 32))[0]
    train(make, lambda: phantoms(g, 2, (8, 32, 32)), STEPS, out)
    for step in STEPS:
        stem = os.path.join(out, f"step-{step:06d}")
        fresh = make()
        fresh.load_state_dict(torch.load(stem + ".pth"))
        export(fresh, example, "auto", stem + ".pt", spacing=[3.0, 3.0, 6.0], normalization=["zscore", "zscore"],
               activation="sigmoid", foreground=[0], network="multichannel", step=step)
        fresh.eval()
        got = {}
        hooks = [fresh.get_submodule(p).register_forward_hook(lambda mod, i, o, t=t: got.__setitem__(t, o))
                 for t, p in auto_taps(fresh).items()]
        with torch.no_grad():
            prob = torch.sigmoid(fresh(fixed))
        for h in hooks:
            h.remove()
        np.save(stem + ".prob.npy", prob[:, 0].numpy().astype(np.float32))
        for t, a in got.items():
            np.save(stem + f".tap.{t}.npy", a.numpy().astype(np.float32))
        print("exported", stem + ".pt")


if __name__ == "__main__":
    main(sys.argv[1])
