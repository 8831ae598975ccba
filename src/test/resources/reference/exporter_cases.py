"""Small networks for the exporter's refusal tests (python/unetscope_export.py module ...)."""
import torch
import torch.nn as nn


class Branchy(nn.Module):
    """Its forward branches on the input size: a trace at one size is wrong at another."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv3d(1, 4, 3, 2, 1)
        self.up = nn.ConvTranspose3d(4, 1, 2, 2)

    def forward(self, x):
        y = self.up(self.down(x))
        if x.shape[-1] > 32:
            y = -y
        return y


class Tiny(nn.Module):
    """A down/up network with a side branch 'valid' (no padding: 30 from 32, not a whole fraction)."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv3d(1, 4, 3, 2, 1)
        self.up = nn.ConvTranspose3d(4, 1, 2, 2)
        self.valid = nn.Conv3d(1, 2, 3, 1, 0)

    def forward(self, x):
        return self.up(self.down(x)) + self.valid(x).mean()


def branchy():
    torch.manual_seed(0)
    return Branchy()


def tiny():
    torch.manual_seed(0)
    return Tiny()


class InPlace(nn.Module):
    """A tapped convolution followed by an in-place ReLU (as nnU-Net's LeakyReLU(inplace=True))."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 4, 3, 1, 1)
        self.act = nn.ReLU(inplace=True)
        self.head = nn.Conv3d(4, 1, 1)

    def forward(self, x):
        return self.head(self.act(self.conv(x)))


def main(out):
    """exporter_cases.py OUTDIR: exports InPlace with the tap 'conv' and prints the traced tap's
    minimum and its max difference from the eager convolution (the tap must be taken before the ReLU)."""
    import os
    import sys
    sys.path.insert(0, os.environ.get("UNETSCOPE_PYTHON_DIR", "python"))
    from unetscope_export import export
    torch.manual_seed(0)
    net = InPlace()
    x = torch.randn(1, 1, 4, 8, 8)
    export(net, x, {"conv": "conv"}, os.path.join(out, "inplace.pt"))
    traced = torch.jit.load(os.path.join(out, "inplace.pt"))
    with torch.no_grad():
        _, tap = traced(x)
        want = net.conv(x)
    print(float(tap.min()), float((tap - want).abs().max()))


def kernels(cpu_pt, portable_pt):
    """exporter_cases.py kernels CPU.pt PORTABLE.pt: per file the convolution operators its graph records
    (aten::_convolution, aten::mkldnn_convolution, aten::slow_conv_transpose3d) and its conversions to the
    channels-last 3D layout (aten::contiguous with memory format 3, torch.channels_last_3d, what onednn records before each oneDNN
    convolution for its input and weight), then the largest difference
    between the two files' outputs and taps at batch 1 and 2 (eager PyTorch's per-call kernel choice
    against the recorded CPU kernels)."""
    ops = ("aten::_convolution", "aten::mkldnn_convolution", "aten::slow_conv_transpose3d")
    mods = [torch.jit.load(f) for f in (cpu_pt, portable_pt)]
    for m in mods:
        g = str(m.inlined_graph)
        cl = sum(1 for line in g.splitlines() if "aten::contiguous(" in line and _contiguous_to(line, g) == 3)
        print(" ".join(str(g.count(o + "(")) for o in ops), cl)
    diff = 0.0
    with torch.no_grad():
        for n in (1, 2):
            x = torch.randn(n, 1, 8, 16, 32, generator=torch.Generator().manual_seed(n))
            for a, b in zip(mods[0](x), mods[1](x)):
                diff = max(diff, float((a - b).abs().max()))
    print(diff)


def _contiguous_to(line, graph):
    """The memory-format constant an aten::contiguous line of a graph's text passes (its second argument), or
    None: the graph names constants as %N = prim::Constant[value=V]()."""
    args = line.split("aten::contiguous(")[1].split(")")[0].split(",")
    if len(args) < 2:
        return None
    for g in graph.splitlines():
        if g.strip().startswith(args[1].strip() + " : int = prim::Constant[value="):
            return int(g.split("value=")[1].split("]")[0])
    return None


def fallback(out):
    """exporter_cases.py fallback OUT.pt: exports a MONAI-topology UNet with convolutions="onednn" and the
    exporter's tolerance set to 0 and prints the kind recorded: oneDNN at batch 1 sums in another order than
    eager PyTorch, so the export falls back to "cpu", whose kernels are eager PyTorch 1.13's (bit for bit)."""
    import os
    import sys
    sys.path.insert(0, os.environ.get("UNETSCOPE_PYTHON_DIR", "python"))
    import unetscope_export as ue
    ue.TOLERANCE = 0.0
    torch.manual_seed(0)
    net = ue.UNet(1, 1, channels=(8, 16, 32), strides=(2, 2), num_res_units=1)
    side = ue.export(net, torch.randn(1, 1, 16, 32, 32), "auto", out, convolutions="onednn")
    print(side["meta"]["convolutions"])


def axes(out):
    """exporter_cases.py axes OUTDIR: an nnU-Net-style network laid out for (x, y, z) volumes (its first
    down-sampling (2, 2, 1): in-plane only, the last axis being z), exported with axes="xyz" from a
    16 x 24 x 8 (x, y, z) example as OUTDIR/xyz.pt. Writes OUTDIR/x.npy, a 1 x 1 x 8 x 16 x 32 input in
    unetscope's (z, y, x) order, and the eager network's answer to it, given the same volume as
    (x, y, z) and turned back: OUTDIR/xyz.prob.npy (sigmoid) and OUTDIR/xyz.tap.NAME.npy. Prints the largest
    difference of the reloaded file's outputs and taps from those (the exporter's measure, as
    torchscript_check.py)."""
    import os
    import sys
    import numpy as np
    sys.path.insert(0, os.environ.get("UNETSCOPE_PYTHON_DIR", "python"))
    from unetscope_export import export
    from exporter_fixtures import PlainConvUNet
    torch.manual_seed(0)
    net = PlainConvUNet(strides=((1, 1, 1), (2, 2, 1), (2, 2, 2))).eval()
    side = export(net, torch.randn(1, 1, 16, 24, 8), "auto", os.path.join(out, "xyz.pt"), axes="xyz",
                  patch_size=[32, 32, 8])
    x = torch.randn(1, 1, 8, 16, 32, generator=torch.Generator().manual_seed(3))
    np.save(os.path.join(out, "x.npy"), x.numpy())
    hooked = {}
    names = [t["name"] for t in side["taps"]]
    handles = [net.get_submodule(t["module"]).register_forward_hook(
        lambda m, i, o, n=t["name"]: hooked.__setitem__(n, o.detach().clone())) for t in side["taps"]]
    with torch.no_grad():
        logits = net(x.permute(0, 1, 4, 3, 2)).permute(0, 1, 4, 3, 2)
    for h in handles:
        h.remove()
    want = [torch.sigmoid(logits)] + [hooked[n].permute(0, 1, 4, 3, 2) for n in names]
    np.save(os.path.join(out, "xyz.prob.npy"), want[0].contiguous().numpy())
    for n, t in zip(names, want[1:]):
        np.save(os.path.join(out, f"xyz.tap.{n}.npy"), t.contiguous().numpy())
    with torch.no_grad():
        got = torch.jit.load(os.path.join(out, "xyz.pt"))(x)
    got = [torch.sigmoid(got[0])] + list(got[1:])
    print(max(float(((g - w).abs() / (1 + w.abs())).max()) for g, w in zip(got, want)))


if __name__ == "__main__":
    import sys
    if sys.argv[1] == "kernels":
        kernels(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "fallback":
        fallback(sys.argv[2])
    elif sys.argv[1] == "axes":
        axes(sys.argv[2])
    else:
        main(sys.argv[1])
