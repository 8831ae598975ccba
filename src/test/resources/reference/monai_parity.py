"""Parity fixture for MonaiUNetParityTest: seeded MONAI-topology UNets (monai_unet.py) in plain
PyTorch, written as MONAI-named .safetensors weights plus the input, logits and every tap.

Usage: monai_parity.py OUTDIR. For each config it prints 'config name shape' for every state_dict
entry (compared with MONAI's own list by the test) and writes OUTDIR/<config>.weights.safetensors and
OUTDIR/<config>.outputs.safetensors (input: the odd-sized volume; padded_input/padded_logits: it
padded by replicating the last slice/row/column to a multiple of the strides' product, as
UNet.infer does; logits and taps cropped back, taps to ceil(size / stride)).
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

from monai_unet import UNet, tap_modules

CONFIGS = {
    "seed": dict(channels=(16, 32, 64, 128, 256), strides=(2, 2, 2, 2), num_res_units=2),
    "plain": dict(channels=(8, 16, 32), strides=(2, 2), num_res_units=0),
    "bench": dict(channels=(8, 16, 32, 64), strides=(2, 2, 2), num_res_units=1, norm="batch", act="relu"),
    "stride1": dict(channels=(4, 8, 8), strides=(2, 1), num_res_units=2),
}
SIZE = (24, 40, 40)


def save_safetensors(path, tensors, metadata=None):
    """The safetensors format by hand (Debian has no safetensors package): u64 header length, JSON, data."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        a = np.array(a, order="C")  # not ascontiguousarray: it turns a 0-d scalar into shape (1,)
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


def main(out):
    torch.set_num_threads(2)
    for name, kw in CONFIGS.items():
        torch.manual_seed(7)
        net = UNet(1, 1, **kw)
        with torch.no_grad():  # move what init leaves constant, so a mixed-up parameter shows
            for pname, p in net.named_parameters():
                if pname.endswith("adn.A.weight"):
                    p.uniform_(0.05, 0.5)
                elif pname.endswith("adn.N.weight"):
                    p.uniform_(0.5, 1.5)
                elif pname.endswith("adn.N.bias"):
                    p.uniform_(-0.3, 0.3)
            for bname, b in net.named_buffers():
                if bname.endswith("running_mean"):
                    b.uniform_(-0.2, 0.2)
                elif bname.endswith("running_var"):
                    b.uniform_(0.5, 2.0)
        net.eval()
        sd = net.state_dict()
        for k, v in sd.items():
            print(name, k, "x".join(map(str, v.shape)) if v.dim() else "scalar")
        save_safetensors(f"{out}/{name}.weights.safetensors", {k: v.numpy() for k, v in sd.items()}, {"format": "pt"})

        m = math.prod(kw["strides"])
        d, h, w = SIZE
        g = torch.Generator().manual_seed(11)
        x = torch.randn((1, 1, d, h, w), generator=g)
        pad = [0, -w % m, 0, -h % m, 0, -d % m]
        xp = F.pad(x, pad, mode="replicate")
        taps = tap_modules(len(kw["channels"]))
        got = {}
        hooks = [net.get_submodule(path).register_forward_hook(
            lambda mod, i, o, t=t: got.__setitem__(t, o.detach())) for t, path in taps.items()]
        with torch.no_grad():
            logits = net(xp)
        for hk in hooks:
            hk.remove()
        outs = {"input": x.numpy(), "padded_input": xp.numpy(), "padded_logits": logits.numpy(),
                "logits": logits[:, :, :d, :h, :w].numpy()}
        strides = {"enc%d" % k: math.prod(kw["strides"][:k]) for k in range(1, len(kw["channels"]))}
        strides["bottleneck"] = strides["enc%d" % (len(kw["channels"]) - 1)]
        strides.update({"dec%d" % k: math.prod(kw["strides"][:k - 1]) for k in range(2, len(kw["channels"]))})
        for t in taps:
            s = strides[t]
            assert got[t].shape[2] * s == xp.shape[2], (t, got[t].shape, s)
            outs["tap." + t] = got[t][:, :, :-(-d // s), :-(-h // s), :-(-w // s)].contiguous().numpy()
        save_safetensors(f"{out}/{name}.outputs.safetensors", outs)


if __name__ == "__main__":
    main(sys.argv[1])
