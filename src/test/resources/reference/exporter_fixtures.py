"""Fixtures for ExporterTest: two small networks trained a few seeded steps on phantom volumes, three
checkpoints each, exported with the shipped exporter (python/unetscope_export.py).

Usage: exporter_fixtures.py OUTDIR. Networks:
  monai-topo:   MONAI's UNet topology (the exporter's plain-PyTorch transcription), channels 8,16,32,
                strides 2,2, one residual unit; taps auto (enc1 enc2 bottleneck dec2).
  nnunet-style: an nnU-Net-style PlainConvUNet (conv-InstanceNorm-LeakyReLU stages, transposed-conv
                decoder, skip concatenation) with stage strides (1,1,1), (1,2,2), (2,2,2): the first
                down-sampling is anisotropic; taps auto (enc1 enc2 bottleneck dec2 dec1).
Each is trained with Adam on batches of 2 x 1 x 8 x 32 x 32 (noise plus a bright ellipsoid blob, the
blob is the mask; binary cross-entropy), and its state dict saved at steps 1, 3, 6 as
OUTDIR/<net>/step-00000N.pth (step 6 also as .safetensors), then loaded into a fresh network and exported as
OUTDIR/<net>/step-00000N.pt + .json. For the fixed input OUTDIR/input.npy (1 x 1 x 8 x 40 x 48, another
valid size) it writes eager PyTorch's sigmoid probabilities (<stem>.prob.npy) and every tap
(<stem>.tap.<name>.npy). Prints '<net> <step> <export seconds>' per export.
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from monai_unet import UNet  # the exporter's transcription (finds python/)
from unetscope_export import export, auto_taps  # noqa: E402  (monai_unet put python/ on sys.path)
from monai_parity import save_safetensors  # noqa: E402


class ConvBlock(nn.Sequential):
    def __init__(self, cin, cout, stride):
        super().__init__(nn.Conv3d(cin, cout, 3, stride, 1), nn.InstanceNorm3d(cout, affine=True),
                         nn.LeakyReLU(0.01, inplace=True))


class Encoder(nn.Module):
    def __init__(self, cin, features, strides):
        super().__init__()
        self.stages = nn.ModuleList()
        for f, s in zip(features, strides):
            self.stages.append(nn.Sequential(ConvBlock(cin, f, s), ConvBlock(f, f, 1)))
            cin = f

    def forward(self, x):
        skips = []
        for s in self.stages:
            x = s(x)
            skips.append(x)
        return skips


class Decoder(nn.Module):
    def __init__(self, features, strides, out_channels):
        super().__init__()
        self.transpconvs, self.stages = nn.ModuleList(), nn.ModuleList()
        for i in range(len(features) - 1, 0, -1):
            self.transpconvs.append(nn.ConvTranspose3d(features[i], features[i - 1], strides[i], strides[i]))
            self.stages.append(nn.Sequential(ConvBlock(2 * features[i - 1], features[i - 1], 1),
                                             ConvBlock(features[i - 1], features[i - 1], 1)))
        self.seg_layers = nn.ModuleList([nn.Conv3d(features[0], out_channels, 1)])

    def forward(self, skips):
        x = skips[-1]
        for j, (up, stage) in enumerate(zip(self.transpconvs, self.stages)):
            x = stage(torch.cat([up(x), skips[-(j + 2)]], dim=1))
        return self.seg_layers[-1](x)


class PlainConvUNet(nn.Module):
    """nnU-Net's PlainConvUNet layout (encoder.stages, decoder.transpconvs/stages/seg_layers), no deep supervision."""

    def __init__(self, in_channels=1, out_channels=1, features=(8, 16, 32), strides=((1, 1, 1), (1, 2, 2), (2, 2, 2))):
        super().__init__()
        self.encoder = Encoder(in_channels, features, strides)
        self.decoder = Decoder(features, strides, out_channels)

    def forward(self, x):
        return self.decoder(self.encoder(x))


NETS = {
    "monai-topo": lambda: UNet(1, 1, channels=(8, 16, 32), strides=(2, 2), num_res_units=1),
    "nnunet-style": lambda: PlainConvUNet(),
}
STEPS = (1, 3, 6)


def phantoms(g, n, size):
    d, h, w = size
    zz, yy, xx = torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing="ij")
    xs, ms = [], []
    for _ in range(n):
        c = [float(torch.randint(2, s - 2, (1,), generator=g)) for s in size]
        r = [2.0 + float(torch.rand(1, generator=g)) * 1.5, 4 + float(torch.rand(1, generator=g)) * 5,
             4 + float(torch.rand(1, generator=g)) * 5]
        m = (((zz - c[0]) / r[0]) ** 2 + ((yy - c[1]) / r[1]) ** 2 + ((xx - c[2]) / r[2]) ** 2 <= 1).float()
        xs.append(m * 2.0 + 0.5 * torch.randn(size, generator=g))
        ms.append(m)
    return torch.stack(xs)[:, None], torch.stack(ms)[:, None]


def train(make, batch, steps, folder):
    """A fresh make() (torch seed 5) trained with Adam (lr 3e-3) and binary cross-entropy on batch() (images, masks)
    for max(steps) steps; the state dict saved as folder/step-00000N.pth after each of steps. Returns the network."""
    torch.manual_seed(5)
    net = make()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    net.train()
    for step in range(1, max(steps) + 1):
        x, m = batch()
        opt.zero_grad()
        loss_fn(net(x), m).backward()
        opt.step()
        if step in steps:
            torch.save(net.state_dict(), os.path.join(folder, f"step-{step:06d}.pth"))
    return net


def main(out):
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(3)
    fixed = phantoms(torch.Generator().manual_seed(99), 1, (8, 40, 48))[0]
    np.save(os.path.join(out, "input.npy"), fixed.numpy())
    example = phantoms(torch.Generator().manual_seed(98), 1, (8, 32, 32))[0]
    for name, make in NETS.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        net = train(make, lambda: phantoms(g, 2, (8, 32, 32)), STEPS, os.path.join(out, name))
        save_safetensors(os.path.join(out, name, f"step-{max(STEPS):06d}.safetensors"),
                         {k: v.numpy() for k, v in net.state_dict().items()})
        for step in STEPS:
            stem = os.path.join(out, name, f"step-{step:06d}")
            fresh = make()
            fresh.load_state_dict(torch.load(stem + ".pth"))
            t0 = time.perf_counter()
            export(fresh, example, "auto", stem + ".pt", spacing=[1.0, 1.0, 2.5], normalization="zscore",
                   patch_size=[8, 32, 32], network=name, step=step)
            seconds = time.perf_counter() - t0
            fresh.eval()
            taps = auto_taps(fresh)
            got = {}
            hooks = [fresh.get_submodule(p).register_forward_hook(lambda mod, i, o, t=t: got.__setitem__(t, o))
                     for t, p in taps.items()]
            with torch.no_grad():
                prob = torch.sigmoid(fresh(fixed))
            for h in hooks:
                h.remove()
            np.save(stem + ".prob.npy", prob.numpy())
            for t, v in got.items():
                np.save(f"{stem}.tap.{t}.npy", v.numpy())
            print(name, step, f"{seconds:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
