"""TorchScript checkpoints with taps, in the format `unetscope import --model` reads, plus eager outputs.

Usage: torchscript_fixtures.py OUT_DIR

Writes into OUT_DIR, for two networks and three "checkpoints" each (seeds 1, 2, 3):
  monai-K.pt/.json   the plain-PyTorch MONAI-topology UNet (monai_unet.py), channels 8-16-32, strides 2-2,
                     one residual unit; taps enc1 enc2 bottleneck dec2; sigmoid on 1 output channel
  nnunet-K.pt/.json  a small nnU-Net-style plain conv UNet whose first downsampling is (1, 2, 2);
                     taps stage0 stage1 bottleneck dec1 dec0; 2 output channels, softmax, foreground [1]
  odd.pt/.json       a module whose tap is a valid (unpadded) 3x3x3 convolution: not a whole fraction of the input
  big.pt/.json       the same with a 9x9x9 valid convolution: rejects inputs under 9 voxels per axis
  nan.pt/.json       monai-1 whose output and taps are all NaN (a broken checkpoint)
and, for the fixed input x.npy (2 x 1 x 8 x 32 x 32, seeded), eager PyTorch's foreground probabilities
NAME-1.prob.npy (2 x 8 x 32 x 32) and every tap NAME-1.TAP.npy. Prints one line per written model.
Channel counts are multiples of 8 (oneDNN races on 4-channel 3D convolutions on this machine).
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monai_unet import UNet, tap_modules  # noqa: E402


class Tapped(nn.Module):
    """forward(x) -> (output, tap_1, ..., tap_n): forward hooks on named modules, in the given order."""

    def __init__(self, net, modules):
        super().__init__()
        self.net = net
        self.names = list(modules)
        self._seen = {}
        named = dict(net.named_modules())
        for m in self.names:
            named[m].register_forward_hook(self._hook(m))

    def _hook(self, name):
        def hook(_module, _inputs, output):
            self._seen[name] = output
        return hook

    def forward(self, x):
        self._seen = {}
        out = self.net(x)
        return (out,) + tuple(self._seen[m] for m in self.names)


class Stage(nn.Sequential):
    """nnU-Net's StackedConvBlocks: two (conv 3x3x3, instance norm with affine, leaky ReLU); the first conv strides."""

    def __init__(self, cin, cout, stride):
        super().__init__(
            nn.Conv3d(cin, cout, 3, stride, 1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=False),
            nn.Conv3d(cout, cout, 3, 1, 1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=False))


class PlainConvUNet(nn.Module):
    """nnU-Net's PlainConvUNet shape: stages at strides (1,1,1), (1,2,2), (2,2,2); transposed-conv decoder."""

    def __init__(self, cin=1, classes=2, ch=(8, 16, 32), strides=((1, 1, 1), (1, 2, 2), (2, 2, 2))):
        super().__init__()
        self.stages = nn.ModuleList([Stage(cin if i == 0 else ch[i - 1], ch[i], strides[i]) for i in range(len(ch))])
        self.ups = nn.ModuleList()
        self.decs = nn.ModuleList()
        for i in range(len(ch) - 1, 0, -1):
            self.ups.append(nn.ConvTranspose3d(ch[i], ch[i - 1], strides[i], strides[i]))
            self.decs.append(Stage(2 * ch[i - 1], ch[i - 1], 1))
        self.seg = nn.Conv3d(ch[0], classes, 1)

    def forward(self, x):
        skips = []
        for s in self.stages:
            x = s(x)
            skips.append(x)
        x = skips[-1]
        for up, dec, skip in zip(self.ups, self.decs, reversed(skips[:-1])):
            x = dec(torch.cat([skip, up(x)], 1))
        return self.seg(x)


class Odd(nn.Module):
    """Output at full size; the tap an unpadded (valid) convolution of kernel k: smaller than the input, or failing below k."""

    def __init__(self, k):
        super().__init__()
        self.head = nn.Conv3d(1, 1, 3, 1, 1)
        self.valid = nn.Conv3d(1, 8, k, 1, 0)

    def forward(self, x):
        return self.head(x), self.valid(x)


class AllNaN(nn.Module):
    def __init__(self, tapped):
        super().__init__()
        self.tapped = tapped

    def forward(self, x):
        return tuple(t * float("nan") for t in self.tapped(x))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def save(out, name, module, example, sidecar):
    module.eval()
    with torch.no_grad():
        traced = torch.jit.trace(module, example, check_trace=False)
    pt = os.path.join(out, name + ".pt")
    traced.save(pt)
    sidecar = dict(sidecar)
    sidecar.update({"format": "unetscope-torchscript/1", "torch": torch.__version__, "sha256": sha256(pt),
                    "example_input": list(example.shape)})
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(sidecar, f, indent=2)
    print("wrote", pt)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    x = torch.from_numpy(np.random.default_rng(5).standard_normal((2, 1, 8, 32, 32)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"), x.numpy())
    example = x[:1]

    monai_taps = tap_modules(3)  # enc1, enc2, bottleneck, dec2
    nn_taps = {"stage0": "stages.0", "stage1": "stages.1", "bottleneck": "stages.2", "dec1": "decs.0", "dec0": "decs.1"}
    kinds = {
        "monai": (lambda: UNet(1, 1, (8, 16, 32), (2, 2), num_res_units=1), monai_taps,
                  {"outputs": {"channels": 1, "activation": "sigmoid", "foreground": [0]},
                   "taps": [{"name": "enc1", "channels": 8, "stride": [2, 2, 2]},
                            {"name": "enc2", "channels": 16, "stride": [4, 4, 4]},
                            {"name": "bottleneck", "channels": 32, "stride": [4, 4, 4]},
                            {"name": "dec2", "channels": 8, "stride": [2, 2, 2]}],
                   "size_divisor": [4, 4, 4]}),
        "nnunet": (lambda: PlainConvUNet(), nn_taps,
                   {"outputs": {"channels": 2, "activation": "softmax", "foreground": [1]},
                    "taps": [{"name": "stage0", "channels": 8, "stride": [1, 1, 1]},
                             {"name": "stage1", "channels": 16, "stride": [1, 2, 2]},
                             {"name": "bottleneck", "channels": 32, "stride": [2, 4, 4]},
                             {"name": "dec1", "channels": 16, "stride": [1, 2, 2]},
                             {"name": "dec0", "channels": 8, "stride": [1, 1, 1]}],
                    "size_divisor": [2, 4, 4]}),
    }
    for kind, (make, taps, sidecar) in kinds.items():
        for k in (1, 2, 3):
            torch.manual_seed(k)
            net = make().eval()
            wrapped = Tapped(net, taps.values()).eval()
            meta = dict(sidecar, input_channels=1, spacing=None, normalization="zscore-otsu", patch_size=None,
                        meta={"fixture": kind, "seed": k})
            meta["taps"] = [dict(t, module=taps[t["name"]]) for t in sidecar["taps"]]
            save(out, f"{kind}-{k}", wrapped, example, meta)
            if k == 1:
                with torch.no_grad():
                    res = wrapped(x)
                logits = res[0]
                if sidecar["outputs"]["activation"] == "sigmoid":
                    prob = torch.sigmoid(logits[:, 0])
                else:
                    prob = torch.softmax(logits, 1)[:, sidecar["outputs"]["foreground"]].sum(1)
                np.save(os.path.join(out, f"{kind}-1.prob.npy"), prob.numpy().astype(np.float32))
                for t, a in zip(sidecar["taps"], res[1:]):
                    np.save(os.path.join(out, f"{kind}-1.{t['name']}.npy"), a.numpy().astype(np.float32))

    torch.manual_seed(1)
    monai = kinds["monai"]
    save(out, "nan", AllNaN(Tapped(monai[0](), monai_taps.values())).eval(), example,
         dict(monai[2], input_channels=1, spacing=None, normalization=None, patch_size=None, meta={}))

    for name, k in (("odd", 3), ("big", 9)):
        torch.manual_seed(0)
        save(out, name, Odd(k).eval(), torch.zeros(1, 1, 16, 16, 16),
             {"outputs": {"channels": 1, "activation": "sigmoid", "foreground": [0]}, "input_channels": 1,
              "taps": [{"name": "valid", "module": "valid", "channels": 8, "stride": [1, 1, 1]}],
              "size_divisor": [1, 1, 1], "spacing": None, "normalization": None, "patch_size": None, "meta": {}})


if __name__ == "__main__":
    main()
