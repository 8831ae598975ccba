"""Reference for TapInputGradientTest: the input gradient of a tap's features (a vector-Jacobian product) by
PyTorch's autograd, for the built-in network's topology (monai_unet.py, channels 8-16-32, strides 2-2, one
residual unit, seeded) and for the same network traced to TorchScript with its taps.

Usage: jacobian_reference.py OUT_DIR. Writes OUT_DIR/jac.weights.safetensors (MONAI names),
OUT_DIR/jac.pt + jac.json (TorchScript with taps enc1 enc2 bottleneck dec2, as torchscript_fixtures.py makes
them) and OUT_DIR/jac.outputs.safetensors: input (1 x 1 x 10 x 22 x 22, not a multiple of the size divisor 4),
and per tap probe.TAP (the cotangent, tap-shaped after cropping to ceil(size / stride)) and grad.TAP, the
gradient with respect to the input of sum(probe * tap), the input padded by replicating its last
slice/row/column inside the differentiated function (as UNet.infer pads).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monai_parity import save_safetensors  # noqa: E402
from monai_unet import UNet, tap_modules  # noqa: E402
from torchscript_fixtures import Tapped, save  # noqa: E402

STRIDES = {"enc1": 2, "enc2": 4, "bottleneck": 4, "dec2": 2}
CHANNELS = {"enc1": 8, "enc2": 16, "bottleneck": 32, "dec2": 8}


def main(out):
    torch.set_num_threads(1)
    torch.manual_seed(3)
    net = UNet(1, 1, (8, 16, 32), (2, 2), num_res_units=1).eval()
    save_safetensors(os.path.join(out, "jac.weights.safetensors"), {k: v.numpy() for k, v in net.state_dict().items()}, {"format": "pt"})
    taps = tap_modules(3)
    wrapped = Tapped(net, taps.values()).eval()
    names = list(taps)
    d, h, w, m = 10, 22, 22, 4
    g = torch.Generator().manual_seed(13)
    x = torch.randn((1, 1, d, h, w), generator=g)
    pad = [0, -w % m, 0, -h % m, 0, -d % m]
    outs = {"input": x.numpy()}
    for i, t in enumerate(names):
        s = STRIDES[t]
        xr = x.clone().requires_grad_(True)
        f = wrapped(F.pad(xr, pad, mode="replicate"))[1 + i][:, :, :-(-d // s), :-(-h // s), :-(-w // s)]
        assert f.shape[1] == CHANNELS[t], (t, f.shape)
        v = torch.randn(f.shape, generator=g)
        (f * v).sum().backward()
        outs["probe." + t] = v.numpy()
        outs["grad." + t] = xr.grad.numpy()
    save_safetensors(os.path.join(out, "jac.outputs.safetensors"), outs)
    sidecar = {"outputs": {"channels": 1, "activation": "sigmoid", "foreground": [0]}, "input_channels": 1,
               "taps": [{"name": t, "module": taps[t], "channels": CHANNELS[t], "stride": [STRIDES[t]] * 3} for t in names],
               "size_divisor": [4, 4, 4], "spacing": None, "normalization": None, "patch_size": None, "meta": {"fixture": "jacobian"}}
    save(out, "jac", wrapped, F.pad(x, pad, mode="replicate"), sidecar)


if __name__ == "__main__":
    main(sys.argv[1])
