#!/usr/bin/env python3
"""Export a PyTorch segmentation network for unetscope: TorchScript with named taps plus a sidecar.

unetscope reads interior feature maps ("taps") of a 3D segmentation network. It cannot attach hooks
to a TorchScript file after the fact, so the taps are chosen here, at export: the network is wrapped
in a module whose ``forward(x)`` returns the TUPLE ``(output, tap_1, ..., tap_n)`` (each tap is the
output of a named submodule, captured with a forward hook), traced with ``torch.jit.trace`` in eval
mode under ``torch.no_grad()``, and written as ``NAME.pt`` with a sidecar ``NAME.json``.

Needs only torch (1.13 or 2.x) and numpy. From your own code::

    from unetscope_export import export
    export(model, torch.randn(1, 1, 96, 96, 32), "auto", "run1/step-000500.pt", axes="xyz",
           spacing=[0.6, 0.6, 3.0], normalization="zscore-nonzero", activation="sigmoid", foreground=[0])

From the command line (a MONAI UNet from its arguments and a state dict; or any module)::

    python3 unetscope_export.py monai-unet --channels 16,32,64,128,256 --strides 2,2,2,2 --res-units 2 \\
        --state-dict best.pth --axes xyz --example-size 96,96,32 --out exported/best.pt
    python3 unetscope_export.py module mypkg.nets:make_net --factory-args '{"depth": 4}' \\
        --state-dict ckpt.pth --axes zyx --example-size 32,96,96 --out exported/ckpt.pt --taps enc.0,enc.1,mid,dec.1
    python3 unetscope_export.py module mypkg.nets:make_net --example-size 32,96,96 --list-modules

Axis order (``--axes``, ``export(..., axes=...)``): unetscope hands the network volumes as
N x C x z x y x x (slices, rows, columns), the order SimpleITK and nnU-Net use (``zyx``). nibabel, and
MONAI's ``LoadImage`` with it, give the NIfTI array as stored, x x y x z (``xyz``). A network trained on
one order and fed the other runs without an error and segments next to nothing, so the command line
requires ``--axes``; with ``xyz`` the file transposes inside, ``--example-size`` and ``--patch-size``
are given in the model's own order, and the sidecar (sizes, strides) is in unetscope's.

``--convolutions`` names libtorch CPU kernels in the trace where libtorch's own per-call choice is slow:
``onednn`` (default) records every convolution as oneDNN at any batch size, on inputs and weights in the
channels-last 3D layout (oneDNN then skips most layout reorders), and transposed convolutions of fewer than
8 output channels as the native kernel (PyTorch 1.13's choice; libtorch 2.x's oneDNN one ran 4x slower): equal
to eager PyTorch within float rounding, not bit for bit, and a file for the CPU only; ``cpu`` names only that
transposed kernel (bit for bit eager PyTorch 1.13's numbers); ``portable`` keeps PyTorch's choice, for a file
that runs on any device. A trace that differs from eager PyTorch beyond the tolerance below falls back to the
next of onednn, cpu, portable. The sidecar's meta says which (``"convolutions"``).

Before anything is written the traced module is run against eager PyTorch on the example input and on
a SECOND input of another valid size and batch size (2 x C x (example + size divisor per axis)); outputs and
taps must agree within 1e-5 (absolute, plus 1e-5 relative to the value). A trace that differs (data-
dependent control flow, sizes baked into the graph) is refused, as is a tap name that does not exist
or a tap whose spatial size is not a whole fraction of the input size. Files are written to a
temporary name and renamed into place; a refused export writes nothing.

The sidecar (format ``unetscope-torchscript/2``; unetscope still reads format 1, whose normalization
was a bare name)::

    {"format": "unetscope-torchscript/2",
     "outputs": {"channels": 1, "activation": "sigmoid", "foreground": [0]},
     "input_channels": 1,
     "taps": [{"name": "enc1", "module": "model.0", "channels": 16, "stride": [2, 2, 2]}, ...],
     "size_divisor": [16, 16, 16],
     "spacing": [x, y, z] | null,
     "normalization": {"name": "zscore" | "zscore-nonzero" | "zscore-otsu" | "none"} |
                      {"name": "ct", "low": p0.5, "high": p99.5, "mean": m, "std": s} |
                      {"name": "window", "low": lo, "high": hi} | null
                      | [one of those per input channel],
     "patch_size": [d, h, w] | null,
     "torch": "1.13.1", "sha256": "<hex of NAME.pt>", "example_input": [1, C, D, H, W], "meta": {...}}

Axes are (D, H, W) = (z, y, x) as in the tensor, except ``spacing``, which is (x, y, z) in mm as in
NIfTI headers. unetscope prepares an imported run's scans as the sidecar says: resampled to ``spacing``,
normalised by ``normalization`` (``zscore``: over the whole image; ``zscore-nonzero``: over the non-zero
voxels, zeros kept, nnU-Net's MR scheme; ``zscore-otsu``: unetscope's own, robust z-score inside the Otsu
body; ``ct``: nnU-Net's CT scheme, clip to the dataset's foreground 0.5/99.5 percentiles ``low``/``high``
then z-score with the dataset-wide foreground ``mean``/``std``, as in nnU-Net's dataset fingerprint;
``window``: clip to [low, high] and scale to [0, 1]; ``none``: as they are). ``patch_size`` must be a
multiple of ``size_divisor``. A tap's ``stride`` is, per axis, the example input's size divided by the tap's size.

``size_divisor``: during the eager run on the example input every submodule's 5-D output is measured;
for each axis the divisor is the least common multiple of every whole ratio input size / output size
(for a UNet, the product of the down path's strides, i.e. the bottom's stride). Input sizes must be
multiples of it; the check on the second input (example + divisor) confirms it.

Network output: if the model returns a list or tuple (nnU-Net's deep supervision), the first element
(the full-resolution one) is the output. ``activation`` defaults to sigmoid for one output channel and
softmax otherwise; ``foreground`` to [0] with sigmoid and to every channel but 0 with softmax.

``taps="auto"`` recognises, by class name and structure (without importing them): MONAI ``UNet``,
``DynUNet``, ``SegResNet``, and nnU-Net's ``PlainConvUNet`` / ``ResidualEncoderUNet``. Taps are named
``enc1 .. encK``, ``bottleneck``, ``decK .. dec2|dec1`` in network order, where ``dec k`` is the decoder
stage that takes the skip from ``enc k``. For MONAI's UNet this is unetscope's own choice: each down
residual unit (``model.0``, ``model.1.submodule.0``, ...), the bottom unit, and each up layer but the
top one (whose output is the logits).
"""
import argparse
import contextlib
import hashlib
import importlib
import json
import math
import os
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn

FORMAT = "unetscope-torchscript/2"
NORMALIZATIONS = ("zscore", "zscore-nonzero", "zscore-otsu", "ct", "window", "none")
ACTIVATIONS = ("sigmoid", "softmax")
TOLERANCE = 1e-5


class ExportError(Exception):
    """A refused export; the message is one line saying what is wrong and what to do."""


# ---------------------------------------------------------------------------------------------------
# MONAI's UNet transcribed into plain PyTorch (used when MONAI is not importable; also by the tests)
# ---------------------------------------------------------------------------------------------------

class Convolution(nn.Sequential):
    """MONAI's Convolution: conv (or transposed conv) with bias, then adn = N, D, A unless conv_only."""

    def __init__(self, cin, cout, stride, transposed=False, conv_only=False, norm="instance", act="prelu", dropout=0.0):
        super().__init__()
        if transposed:
            self.add_module("conv", nn.ConvTranspose3d(cin, cout, 3, stride, 1, output_padding=stride - 1))
        else:
            self.add_module("conv", nn.Conv3d(cin, cout, 3, stride, 1))
        if conv_only:
            return
        adn = nn.Sequential()
        adn.add_module("N", nn.InstanceNorm3d(cout) if norm == "instance" else nn.BatchNorm3d(cout))
        adn.add_module("D", nn.Dropout(dropout))
        adn.add_module("A", nn.PReLU() if act == "prelu" else nn.ReLU())
        self.add_module("adn", adn)


class ResidualUnit(nn.Module):
    """MONAI's ResidualUnit: conv.unit0.. (first strides) + residual (identity, full kernel when striding, else 1x1x1)."""

    def __init__(self, cin, cout, stride, subunits, last_conv_only=False, **kw):
        super().__init__()
        self.conv = nn.Sequential()
        n = max(1, subunits)
        for su in range(n):
            self.conv.add_module(f"unit{su}", Convolution(cin if su == 0 else cout, cout, stride if su == 0 else 1,
                                                          conv_only=last_conv_only and su == n - 1, **kw))
        self.residual = nn.Identity()
        if stride != 1 or cin != cout:
            k, p = (3, 1) if stride != 1 else (1, 0)
            self.residual = nn.Conv3d(cin, cout, k, stride, p)

    def forward(self, x):
        return self.conv(x) + self.residual(x)


class SkipConnection(nn.Module):
    """cat([x, submodule(x)], dim=1), x first."""

    def __init__(self, submodule):
        super().__init__()
        self.submodule = submodule

    def forward(self, x):
        return torch.cat([x, self.submodule(x)], dim=1)


class UNet(nn.Module):
    """MONAI's ``UNet(spatial_dims=3, ...)`` (monai/networks/nets/unet.py, v1.x) with MONAI's module and
    state-dict names, for kernel_size = up_kernel_size = 3, NDA order, bias on, instance norm without
    affine parameters or batch norm, PReLU (one slope) or ReLU."""

    def __init__(self, in_channels, out_channels, channels, strides, num_res_units=0, norm="instance", act="prelu", dropout=0.0):
        super().__init__()
        kw = dict(norm=norm, act=act, dropout=dropout)
        r = num_res_units

        def down(cin, cout, s):
            return ResidualUnit(cin, cout, s, r, **kw) if r > 0 else Convolution(cin, cout, s, **kw)

        def up(cin, cout, s, is_top):
            conv = Convolution(cin, cout, s, transposed=True, conv_only=is_top and r == 0, **kw)
            return nn.Sequential(conv, ResidualUnit(cout, cout, 1, 1, last_conv_only=is_top, **kw)) if r > 0 else conv

        def create(inc, outc, ch, st, is_top):
            c, s = ch[0], st[0]
            if len(ch) > 2:
                sub, upc = create(c, c, ch[1:], st[1:], False), 2 * c
            else:
                sub, upc = down(c, ch[1], 1), c + ch[1]  # the bottom layer: a down layer with stride 1
            return nn.Sequential(down(inc, c, s), SkipConnection(sub), up(upc, outc, s, is_top))

        self.model = create(in_channels, out_channels, list(channels), list(strides), True)

    def forward(self, x):
        return self.model(x)


def monai_unet_taps(levels):
    """unetscope's tap names -> module paths for a MONAI UNet with ``levels`` = len(channels):
    enc k = down layer k, the bottom layer, dec k = up layer k (k >= 2; up layer 1 gives the logits)."""
    prefix = lambda k: "model" + ".1.submodule" * (k - 1)  # noqa: E731
    taps = {f"enc{k}": prefix(k) + ".0" for k in range(1, levels)}
    taps["bottleneck"] = prefix(levels)
    taps.update({f"dec{k}": prefix(k) + ".2" for k in range(levels - 1, 1, -1)})
    return taps


# ---------------------------------------------------------------------------------------------------
# automatic taps
# ---------------------------------------------------------------------------------------------------

def _cls(m):
    return type(m).__name__


def _stage_taps(enc, bottom, dec):
    """enc: module paths of encoder stages above the bottom; dec: decoder stages, deepest first, where
    dec[j] takes the skip from enc[len(enc) - 1 - j]."""
    taps = {f"enc{k + 1}": p for k, p in enumerate(enc)}
    taps["bottleneck"] = bottom
    for j, p in enumerate(dec):
        taps[f"dec{len(enc) - j}"] = p
    return taps


def auto_taps(model):
    """{tap name: module path} for the architectures named in the module docstring; ExportError otherwise."""
    name = _cls(model)
    if name == "UNet" and isinstance(getattr(model, "model", None), nn.Sequential):
        levels, seq = 1, model.model
        while (isinstance(seq, nn.Sequential) and len(seq) == 3 and _cls(seq[1]) == "SkipConnection"):
            levels, seq = levels + 1, seq[1].submodule
        if levels >= 3:
            return monai_unet_taps(levels)
    if name == "DynUNet" and all(hasattr(model, a) for a in ("input_block", "downsamples", "bottleneck", "upsamples")):
        enc = ["input_block"] + [f"downsamples.{i}" for i in range(len(model.downsamples))]
        return _stage_taps(enc, "bottleneck", [f"upsamples.{i}" for i in range(len(model.upsamples))])
    if name == "SegResNet" and all(hasattr(model, a) for a in ("down_layers", "up_layers")):
        n = len(model.down_layers)
        return _stage_taps([f"down_layers.{i}" for i in range(n - 1)], f"down_layers.{n - 1}",
                           [f"up_layers.{j}" for j in range(len(model.up_layers))])
    if name in ("PlainConvUNet", "ResidualEncoderUNet") and hasattr(model, "encoder") and hasattr(model, "decoder") \
            and hasattr(model.encoder, "stages") and hasattr(model.decoder, "stages"):
        n = len(model.encoder.stages)
        return _stage_taps([f"encoder.stages.{i}" for i in range(n - 1)], f"encoder.stages.{n - 1}",
                           [f"decoder.stages.{j}" for j in range(len(model.decoder.stages))])
    raise ExportError(f"taps 'auto' does not know the network class {name}: pass module names "
                      f"(--taps a,b,c or taps=[...]); --list-modules prints them with their output shapes")


# ---------------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------------

class TappedNetwork(nn.Module):
    """``forward(x)`` returns ``(output, tap_1, ..., tap_n)``: the network's output (the first element
    if it returns a list or tuple) and the outputs of the named submodules, captured by forward hooks.
    With ``reverse`` (a model trained on (x, y, z) volumes, ``axes="xyz"``) ``x`` arrives as unetscope's
    N x C x z x y x x, is handed to the model as N x C x x x y x z, and the output and every tap are turned
    back, so the file always takes and returns unetscope's order."""

    def __init__(self, model, modules, reverse=False):
        super().__init__()
        self.model = model
        self.reverse = reverse
        self._modules_in_order = list(modules)
        self._captured = {}
        self._handles = [model.get_submodule(path).register_forward_hook(self._hook(path))
                         for path in self._modules_in_order]

    def remove_hooks(self):
        """Takes the hooks off the user's model (the traced module keeps what it recorded)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def _hook(self, path):
        def hook(module, inputs, output):
            # a copy: an in-place operation after the module (e.g. ReLU(inplace=True)) must not change the tap
            self._captured.setdefault(path, []).append(output.clone() if torch.is_tensor(output) else output)
        return hook

    def forward(self, x):
        self._captured = {}
        if self.reverse:
            x = x.permute(0, 1, 4, 3, 2)
        out = self.model(x)
        if isinstance(out, (list, tuple)):
            out = out[0]
        if not torch.is_tensor(out):
            raise ExportError(f"the network returns {type(out).__name__}: wrap it so that forward returns the "
                              f"segmentation output (a tensor, or a list/tuple whose first element is)")
        taps = []
        for path in self._modules_in_order:
            got = self._captured.get(path, [])
            if len(got) != 1:
                raise ExportError(f"tap module {path} ran {len(got)} times in one forward pass (must be once)")
            if not torch.is_tensor(got[0]):
                raise ExportError(f"tap module {path} returns {type(got[0]).__name__}, not a tensor: pick its submodule")
            taps.append(got[0])
        self._captured = {}
        outs = (out,) + tuple(taps)
        if self.reverse:
            outs = tuple(t.permute(0, 1, 4, 3, 2) if t.dim() == 5 else t for t in outs)
        return outs


def _first_line(e):
    s = str(e).strip().splitlines()
    return (s[0] if s else type(e).__name__)[:300]


def _resolve_taps(model, taps):
    if isinstance(taps, str) and taps == "auto":
        return auto_taps(model)
    if isinstance(taps, str):
        taps = [t for t in taps.split(",") if t]
    if isinstance(taps, dict):
        named = dict(taps)
    else:
        taps = list(taps)
        if not taps:
            raise ExportError("no taps given: pass module names or 'auto'")
        named = {f"tap{i + 1}": p for i, p in enumerate(taps)}
    known = dict(model.named_modules())
    for t, p in named.items():
        if p not in known or p == "":
            raise ExportError(f"tap {t} (module '{p}'): the network has no module of that name: "
                              f"--list-modules prints the names")
    if len(set(named.values())) != len(named):
        raise ExportError("the same module is named twice in taps")
    return named


def _stride(tap, in_size, out):
    if not torch.is_tensor(out) or out.dim() != 5:
        raise ExportError(f"tap {tap}: output shape {tuple(getattr(out, 'shape', ()))} is not N x C x D x H x W")
    stride = []
    for a, (i, o) in enumerate(zip(in_size, out.shape[2:])):
        if o == 0 or i % o != 0:
            raise ExportError(f"tap {tap}: size {list(out.shape[2:])} is not a whole fraction of the input size "
                              f"{list(in_size)} (axis {'DHW'[a]}): pick another module or example size")
        stride.append(i // o)
    return stride


CONVOLUTIONS = ("cpu", "onednn", "portable")
AXES = ("zyx", "xyz")


@contextlib.contextmanager
def _pinned_convolutions(kind):
    """While tracing, records 3D convolutions of ``nn.Conv3d`` / ``nn.ConvTranspose3d`` as a named libtorch CPU
    kernel instead of ``aten::_convolution``, whose kernel libtorch picks per call by version-dependent rules
    (measured on the MONAI topology, docs/ARCHITECTURE.md, Speed):

    - ``cpu`` and ``onednn``: a transposed convolution with fewer than 8 output channels (the last up layer
      of a binary network) becomes ``aten::slow_conv_transpose3d``, the native kernel PyTorch 1.13 runs it
      with at every batch size; libtorch 2.x sends it to oneDNN from batch 2 on, whose kernels vectorise
      over 8 output channels (AVX2) and ran it 4x slower;
    - ``onednn`` also: every convolution becomes ``aten::mkldnn_convolution`` (oneDNN) at every batch size;
      libtorch (1.13 and 2.x alike) sends a single volume to its native path (vol2col + one GEMM) unless
      N x C x D x H > 20480, and that took 1.4x oneDNN's CPU per volume here. Its input and weight are first
      made channels-last 3D (``contiguous(memory_format=torch.channels_last_3d)``, a no-op on a tensor already
      in it), so that oneDNN computes in that layout from one convolution to the next instead of reordering
      to and from its blocked layout around each call (libtorch 2.7.1: about 10 % of a pass on the MONAI
      topology); the operations between (norms, activations, sums, concatenations) keep the layout, and
      unetscope reads outputs and taps in the standard layout whatever their strides. The sums run in
      another order than eager PyTorch's: equal within float rounding (about 1e-6 relative), not bit for bit.

    ``portable`` records everything as it is (a file for any device). unetscope runs every file on the CPU; an
    ``onednn`` file runs on the CPU only; ``aten::slow_conv_transpose3d`` has a CUDA kernel in PyTorch too. Convolutions called other ways (``F.conv3d``) and those with padding modes
    other than zeros, string padding or non-float32 weights are recorded as they are."""
    if kind == "portable":
        yield
        return
    onednn = kind == "onednn" and torch.backends.mkldnn.is_available()
    conv_forward, transposed_forward = nn.Conv3d._conv_forward, nn.ConvTranspose3d.forward

    def conv(self, x, weight, bias):
        if (onednn and self.padding_mode == "zeros" and isinstance(self.padding, tuple)
                and weight.dtype == torch.float32 and x.dtype == torch.float32 and x.device.type == "cpu" and x.dim() == 5):
            cl = torch.channels_last_3d
            return torch.mkldnn_convolution(x.contiguous(memory_format=cl), weight.contiguous(memory_format=cl), bias,
                                            list(self.padding), list(self.stride), list(self.dilation), self.groups)
        return conv_forward(self, x, weight, bias)

    def transposed(self, x, output_size=None):
        if (self.out_channels < 8 and self.groups == 1 and self.padding_mode == "zeros" and x.dim() == 5
                and self.weight.dtype == torch.float32 and x.dtype == torch.float32 and x.device.type == "cpu"):
            output_padding = self._output_padding(x, output_size, self.stride, self.padding, self.kernel_size, 3,
                                                  self.dilation)
            return torch._C._nn.slow_conv_transpose3d(x, self.weight, list(self.kernel_size), self.bias,
                                                      list(self.stride), list(self.padding), list(output_padding),
                                                      list(self.dilation))
        return transposed_forward(self, x, output_size)

    nn.Conv3d._conv_forward, nn.ConvTranspose3d.forward = conv, transposed
    try:
        yield
    finally:
        nn.Conv3d._conv_forward, nn.ConvTranspose3d.forward = conv_forward, transposed_forward


def _size_divisor(model, x, run, reverse=False):
    """Calls run(x) once; returns (its result, per axis the lcm of every whole ratio input / output size
    over every submodule's 5-D output). With ``reverse`` the model sees x's axes reversed (TappedNetwork):
    the ratios are taken in the model's order and the divisor returned in x's."""
    ratios = [set(), set(), set()]
    size = tuple(x.shape[2:])[::-1] if reverse else x.shape[2:]

    def hook(module, inputs, output):
        outs = output if isinstance(output, (list, tuple)) else [output]
        for o in outs:
            if torch.is_tensor(o) and o.dim() == 5:
                for a in range(3):
                    if o.shape[2 + a] and size[a] % o.shape[2 + a] == 0:
                        ratios[a].add(size[a] // o.shape[2 + a])

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        with torch.no_grad():
            result = run(x)
    finally:
        for h in handles:
            h.remove()
    div = []
    for r in ratios:
        d = 1
        for v in r:
            d = d * v // math.gcd(d, v)
        div.append(d)
    if reverse:
        div.reverse()
    return result, div


def _close(a, b):
    """Equal within 1e-5 absolute plus 1e-5 relative (per element); NaN anywhere fails."""
    if a.shape != b.shape:
        return False
    if a.numel() == 0:
        return True
    return bool(((a - b).abs() <= TOLERANCE + TOLERANCE * b.abs()).all())


def _compare(names, traced_out, eager_out, size):
    for n, t, e in zip(names, traced_out, eager_out):
        if tuple(t.shape) != tuple(e.shape):
            raise ExportError(f"the traced network differs from eager PyTorch at input size {list(size)}: {n} has shape "
                              f"{list(t.shape)} instead of {list(e.shape)} (size-dependent code in forward?)")
        if not _close(t, e):
            d = float((t - e).abs().max())
            raise ExportError(f"the traced network differs from eager PyTorch at input size {list(size)}: {n} differs by "
                              f"{d:.3g} (data- or size-dependent control flow in forward?)")


def _umask_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path, write):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _normalization(n):
    """The sidecar's normalization object from a name or a dict; refuses unknown names and missing numbers."""
    if n is None:
        return None
    d = {"name": n} if isinstance(n, str) else dict(n)
    name = d.get("name")
    if name not in NORMALIZATIONS:
        raise ExportError(f"normalization {name!r} is not one of {', '.join(NORMALIZATIONS)}")
    need = {"ct": ("low", "high", "mean", "std"), "window": ("low", "high")}.get(name, ())
    extra = set(d) - {"name"} - set(need)
    if extra:
        raise ExportError(f"normalization {name!r} takes no {', '.join(sorted(extra))}")
    try:
        out = {"name": name, **{k: float(d[k]) for k in need}}
    except (KeyError, TypeError, ValueError):
        raise ExportError(f"normalization {name!r} needs numbers {', '.join(need)}")
    if need and not out["low"] < out["high"]:
        raise ExportError(f"normalization {name!r} needs low < high, got {out['low']}, {out['high']}")
    if name == "ct" and not out["std"] > 0:
        raise ExportError(f"normalization 'ct' needs std > 0, got {out['std']}")
    return out


def export(model, example_input, taps, out, *, spacing=None, normalization=None, patch_size=None,
           activation=None, foreground=None, convolutions="onednn", axes="zyx", **meta):
    """Trace ``model`` with taps and write ``out`` (NAME.pt) and NAME.json; returns the sidecar dict.

    model: a torch.nn.Module taking N x C x D x H x W. example_input: a tensor of shape 1 x C x D x H x W
    of a size the model accepts. taps: "auto", or a list of module names (as in model.named_modules();
    the taps are then named tap1, tap2, ...), or a dict {tap name: module name}. spacing: (x, y, z) mm
    the model was trained at; normalization: a name (zscore, zscore-nonzero, zscore-otsu, none) or a dict
    {"name": "ct", "low", "high", "mean", "std"} / {"name": "window", "low", "high"}, applied to each input
    channel separately, or a list of them, one per input channel (e.g. MR and CT channels);
    patch_size: (D, H, W) of the training patches; activation: sigmoid or softmax; foreground: output
    channel indices that are foreground. convolutions: "onednn" (default), "cpu" or "portable", which libtorch
    CPU kernels the trace names (see _pinned_convolutions; a trace that differs from eager PyTorch beyond the
    tolerance falls back to the next of onednn, cpu, portable); the choice made is stored as
    meta["convolutions"]. axes: the order of the three spatial dimensions of the volumes the model was
    trained on: "zyx" (the default; unetscope's, SimpleITK's and nnU-Net's: N x C x slices x rows x columns)
    or "xyz" (nibabel's and MONAI's LoadImage: the NIfTI array as stored). With "xyz" the example input and
    patch_size are given in the model's own (x, y, z) order; the file takes and returns unetscope's
    (z, y, x) order, transposing inside, and the sidecar's sizes and strides are in that order. A model fed
    in the other order than it was trained on runs without complaint and segments nothing, so say which;
    it is stored as meta["axes"]. Further keyword arguments land in the sidecar's "meta".
    Raises ExportError (nothing written) when the export is refused.
    """
    if not str(out).endswith(".pt"):
        raise ExportError(f"output {out} must end with .pt (the sidecar is written beside it as .json)")
    per_channel = isinstance(normalization, (list, tuple))
    normalization = [_normalization(n) for n in normalization] if per_channel else _normalization(normalization)
    if convolutions not in CONVOLUTIONS:
        raise ExportError(f"convolutions {convolutions!r} is not cpu, onednn or portable")
    if axes not in AXES:
        raise ExportError(f"axes {axes!r} is not zyx (SimpleITK, nnU-Net, unetscope) or xyz (nibabel, MONAI's LoadImage)")
    reverse = axes == "xyz"
    meta["axes"] = axes
    if activation is not None and activation not in ACTIVATIONS:
        raise ExportError(f"activation {activation!r} is not sigmoid or softmax")
    if spacing is not None:
        spacing = [float(v) for v in spacing]
        if len(spacing) != 3 or not all(v > 0 for v in spacing):
            raise ExportError(f"spacing {spacing} must be three positive numbers (x, y, z in mm)")
    if patch_size is not None:
        patch_size = [int(v) for v in patch_size]
        if len(patch_size) != 3 or not all(v > 0 for v in patch_size):
            raise ExportError(f"patch size {patch_size} must be three positive sizes (D, H, W)")
    x = example_input
    if not torch.is_tensor(x) or x.dim() != 5 or x.shape[0] != 1:
        raise ExportError("example_input must be a tensor of shape 1 x C x D x H x W")
    x = x.detach().float().cpu()
    if reverse:  # from here on unetscope's (z, y, x) order; TappedNetwork turns it back for the model
        x = x.permute(0, 1, 4, 3, 2).contiguous()
        if patch_size is not None:
            patch_size = patch_size[::-1]
    if per_channel and len(normalization) != x.shape[1]:
        raise ExportError(f"normalization lists {len(normalization)} schemes for {x.shape[1]} input channels (give one per channel, or one for all)")
    if any(t.device.type != "cpu" for t in list(model.parameters()) + list(model.buffers())):
        raise ExportError("the network is not on the CPU: export model.cpu() (unetscope loads the file on any device)")
    json_path = str(out)[:-3] + ".json"

    named = _resolve_taps(model, taps)
    was_training = model.training
    model.eval()
    wrapper = TappedNetwork(model, named.values(), reverse=reverse)
    try:
        with torch.no_grad():
            try:
                eager, divisor = _size_divisor(model, x, wrapper, reverse=reverse)
            except ExportError:
                raise
            except Exception as e:
                raise ExportError(f"the network fails on the example input {list(x.shape)}: {_first_line(e)}")
            size = tuple(x.shape[2:])
            out_t = eager[0]
            if out_t.dim() != 5 or tuple(out_t.shape[2:]) != size:
                raise ExportError(f"the network's output has shape {list(out_t.shape)}; expected 1 x K x {' x '.join(map(str, size))}")
            strides = {t: _stride(f"{t} (module {p})", size, o) for (t, p), o in zip(named.items(), eager[1:])}
            for t, s in strides.items():
                divisor = [d * s_ // math.gcd(d, s_) for d, s_ in zip(divisor, s)]
            if patch_size is not None and any(p % d for p, d in zip(patch_size, divisor)):
                raise ExportError(f"patch size {patch_size} is not a multiple of the size divisor {divisor}")
            names = ["output"] + list(named)
            x2 = torch.randn((2, x.shape[1]) + tuple(s + d for s, d in zip(size, divisor)),
                             generator=torch.Generator().manual_seed(1))
            checks = []
            for inp in (x, x2):
                try:
                    checks.append((inp, wrapper(inp)))
                except ExportError:
                    raise
                except Exception as e:
                    raise ExportError(f"the network fails on the check input {list(inp.shape)} "
                                      f"(size divisor {divisor}): {_first_line(e)}")
            # the eager outputs above are the unmodified network's; each trace is checked against them
            kinds = {"cpu": ["cpu", "portable"], "onednn": ["onednn", "cpu", "portable"], "portable": ["portable"]}[convolutions]
            for kind in kinds:
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        try:
                            with _pinned_convolutions(kind):
                                traced = torch.jit.trace(wrapper, x, check_trace=False)
                        except ExportError:
                            raise
                        except Exception as e:
                            raise ExportError(f"torch.jit.trace failed: {_first_line(e)}")
                    for inp, e_out in checks:
                        try:
                            t_out = traced(inp)
                        except Exception as e:
                            hint = f" (tracer: {_first_line(caught[0].message)})" if caught else ""
                            raise ExportError(f"the traced network fails at input size {list(inp.shape[2:])} where eager "
                                              f"PyTorch runs: sizes are baked into the trace{hint}")
                        _compare(names, t_out, e_out, inp.shape[2:])
                    meta["convolutions"] = kind
                    break
                except ExportError:
                    if kind == kinds[-1]:
                        raise
    finally:
        wrapper.remove_hooks()
        model.train(was_training)

    channels = int(out_t.shape[1])
    if activation is None:
        activation = "sigmoid" if channels == 1 else "softmax"
    if foreground is None:
        foreground = [0] if activation == "sigmoid" else list(range(1, channels))
    foreground = [int(f) for f in foreground]
    if not foreground or any(f < 0 or f >= channels for f in foreground):
        raise ExportError(f"foreground channels {foreground} must be among the output's {channels} channels")

    def write_pt(tmp):
        torch.jit.save(traced, tmp)

    # write the .pt to a temporary name, hash it, then rename both into place (the .json last)
    d = os.path.dirname(os.path.abspath(str(out)))
    os.makedirs(d, exist_ok=True)
    fd, tmp_pt = tempfile.mkstemp(prefix="." + os.path.basename(str(out)) + ".", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        write_pt(tmp_pt)
        h = hashlib.sha256()
        with open(tmp_pt, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        sidecar = {
            "format": FORMAT,
            "outputs": {"channels": channels, "activation": activation, "foreground": foreground},
            "input_channels": int(x.shape[1]),
            "taps": [{"name": t, "module": p, "channels": int(o.shape[1]), "stride": strides[t]}
                     for (t, p), o in zip(named.items(), eager[1:])],
            "size_divisor": divisor,
            "spacing": spacing,
            "normalization": normalization,
            "patch_size": patch_size,
            "torch": torch.__version__,
            "sha256": h.hexdigest(),
            "example_input": [int(v) for v in x.shape],
            "meta": meta,
        }
        text = json.dumps(sidecar, indent=2) + "\n"
        os.chmod(tmp_pt, _umask_mode())
        os.replace(tmp_pt, str(out))
    except BaseException:
        if os.path.exists(tmp_pt):
            os.remove(tmp_pt)
        raise

    def write_json(tmp):
        with open(tmp, "w") as f:
            f.write(text)

    _atomic_write(json_path, write_json)
    return sidecar


def list_modules(model, example_input):
    """[(name, class name, output shape or None)] for every named module, on one eager forward pass."""
    shapes = {}
    handles = []
    for name, m in model.named_modules():
        def hook(module, inputs, output, name=name):
            shapes.setdefault(name, tuple(output.shape) if torch.is_tensor(output) else type(output).__name__)
        handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(example_input)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return [(n, _cls(m), shapes.get(n)) for n, m in model.named_modules()]


# ---------------------------------------------------------------------------------------------------
# state dicts
# ---------------------------------------------------------------------------------------------------

_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """A .safetensors file read by hand (u64 little-endian header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        if n <= 0 or n > 100_000_000:
            raise ExportError(f"{path} is not a safetensors file (header length {n})")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        if e["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(data[a:b], dtype="<i2").copy()).view(torch.bfloat16).float()
        elif e["dtype"] in _ST_DTYPES:
            t = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.dtype(_ST_DTYPES[e["dtype"]]).newbyteorder("<")).astype(_ST_DTYPES[e["dtype"]]))
        else:
            raise ExportError(f"{path}: tensor {name} has dtype {e['dtype']}, which this reader does not know")
        out[name] = t.reshape(e["shape"])
    return out


def load_state_dict(path):
    if str(path).endswith(".safetensors"):
        return read_safetensors(path)
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:
        raise ExportError(f"cannot read state dict {path}: {_first_line(e)}")
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "network_weights", "model"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise ExportError(f"{path} holds no state dict (a dict of tensors, or one under 'state_dict', "
                          f"'model_state_dict', 'network_weights' or 'model')")
    if obj and all(k.startswith("module.") for k in obj):  # saved from DataParallel
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def _apply_state_dict(model, path):
    sd = load_state_dict(path)
    missing, unexpected = [], []
    own = model.state_dict()
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    if missing or unexpected:
        raise ExportError(f"state dict {path} does not fit the network: {len(missing)} missing "
                          f"({', '.join(missing[:3])}), {len(unexpected)} unexpected ({', '.join(unexpected[:3])})")
    bad = [k for k in own if tuple(own[k].shape) != tuple(sd[k].shape)]
    if bad:
        raise ExportError(f"state dict {path} does not fit the network: {bad[0]} has shape "
                          f"{list(sd[bad[0]].shape)}, the network {list(own[bad[0]].shape)}")
    model.load_state_dict(sd)


# ---------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (--help lists the options)\n")


def _ints(s):
    try:
        return [int(v) for v in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a comma-separated list of integers")


def _floats(s):
    try:
        return [float(v) for v in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a comma-separated list of numbers")


def build_monai_unet(a):
    """MONAI's own UNet if MONAI imports, else the transcription above; returns (model, which)."""
    kw = dict(channels=tuple(a.channels), strides=tuple(a.strides), num_res_units=a.res_units)
    if len(a.strides) != len(a.channels) - 1:
        raise ExportError(f"--strides needs {len(a.channels) - 1} values for {len(a.channels)} channels")
    try:
        from monai.networks.nets import UNet as MonaiUNet
    except ImportError:
        return UNet(a.in_channels, a.out_channels, norm=a.norm, act=a.act, **kw), "transcription"
    return MonaiUNet(spatial_dims=3, in_channels=a.in_channels, out_channels=a.out_channels,
                     norm=a.norm, act=a.act, **kw), "monai"


def build_module(a):
    if ":" not in a.factory:
        raise ExportError(f"{a.factory!r} must be package.module:factory")
    mod, fn = a.factory.split(":", 1)
    sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise ExportError(f"cannot import {a.factory}: {_first_line(e)}")
    args = json.loads(a.factory_args) if a.factory_args else None
    model = factory(**args) if isinstance(args, dict) else factory(*args) if isinstance(args, list) else factory()
    if not isinstance(model, nn.Module):
        raise ExportError(f"{a.factory} returned {type(model).__name__}, not a torch.nn.Module")
    return model, "module"


def main(argv=None):
    p = _Parser(prog="unetscope_export.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    m = sub.add_parser("monai-unet", help="a MONAI UNet from its arguments and a state dict")
    m.add_argument("--channels", type=_ints, required=True)
    m.add_argument("--strides", type=_ints, required=True)
    m.add_argument("--res-units", type=int, default=0)
    m.add_argument("--in-channels", type=int, default=1)
    m.add_argument("--out-channels", type=int, default=1)
    m.add_argument("--norm", default="instance", choices=["instance", "batch"])
    m.add_argument("--act", default="prelu", choices=["prelu", "relu"])
    g = sub.add_parser("module", help="any module from package.module:factory")
    g.add_argument("factory", help="package.module:factory, importable from the current folder or PYTHONPATH")
    g.add_argument("--factory-args", help="JSON: a list (positional) or an object (keyword arguments)")
    g.add_argument("--in-channels", type=int, default=1)
    for s in (m, g):
        s.add_argument("--state-dict", help=".pt/.pth (torch.load) or .safetensors")
        s.add_argument("--example-size", type=_ints, required=True,
                       help="the example input's three sizes, in the model's own axis order (see --axes)")
        s.add_argument("--axes", choices=AXES,
                       help="required to write: the axis order of the volumes the model was trained on: zyx (slices, rows, "
                            "columns: SimpleITK, nnU-Net, unetscope) or xyz (the NIfTI array as stored: nibabel, MONAI's "
                            "LoadImage); a model fed the other order segments nothing, without an error")
        s.add_argument("--out", help="NAME.pt (NAME.json is written beside it)")
        s.add_argument("--taps", default="auto", help="auto, or module names a,b,c, or name=module,...")
        s.add_argument("--list-modules", action="store_true", help="print every module with its output shape, write nothing")
        s.add_argument("--spacing", type=_floats, help="x,y,z in mm the model was trained at")
        s.add_argument("--normalization", choices=NORMALIZATIONS, help="how the training images were normalised")
        s.add_argument("--intensity-range", type=_floats, metavar="LOW,HIGH",
                       help="ct: the dataset's foreground 0.5 and 99.5 percentiles; window: its bounds")
        s.add_argument("--intensity-stats", type=_floats, metavar="MEAN,STD", help="ct: the dataset-wide foreground mean and std")
        s.add_argument("--patch-size", type=_ints, help="the training patches' three sizes, in the model's own axis order")
        s.add_argument("--activation", choices=ACTIVATIONS)
        s.add_argument("--foreground", type=_ints, help="output channel indices that are foreground")
        s.add_argument("--meta", help="JSON object stored as the sidecar's meta")
        s.add_argument("--convolutions", choices=CONVOLUTIONS, default="onednn",
                       help="onednn (default): every convolution as oneDNN at any batch size in the channels-last "
                            "layout, transposed ones of < 8 outputs as libtorch's native kernel (fastest on the CPU; "
                            "equal to eager PyTorch within float rounding); cpu: only the latter (eager PyTorch 1.13's "
                            "numbers bit for bit); portable: as traced, for any device")
        s.add_argument("--debug", action="store_true", help="stack traces instead of one-line errors")
    a = p.parse_args(argv)
    try:
        if len(a.example_size) != 3:
            raise ExportError(f"--example-size needs three sizes, got {a.example_size}")
        model, which = build_monai_unet(a) if a.kind == "monai-unet" else build_module(a)
        if a.state_dict:
            _apply_state_dict(model, a.state_dict)
        x = torch.randn([1, a.in_channels] + a.example_size, generator=torch.Generator().manual_seed(0))
        if a.list_modules:
            for name, cls, shape in list_modules(model, x):
                print(f"{name or '(root)'}\t{cls}\t{'x'.join(map(str, shape)) if isinstance(shape, tuple) else shape or '-'}")
            return 0
        if not a.out:
            raise ExportError("--out NAME.pt is required (or --list-modules)")
        if a.axes is None:
            raise ExportError("--axes is required: zyx if the model was trained on volumes ordered slices, rows, columns "
                              "(SimpleITK, nnU-Net), xyz if on NIfTI arrays as stored (nibabel, MONAI's LoadImage)")
        taps = a.taps
        if taps != "auto":
            parts = [t for t in taps.split(",") if t]
            taps = dict(t.split("=", 1) for t in parts) if all("=" in t for t in parts) else parts
        meta = json.loads(a.meta) if a.meta else {}
        if not isinstance(meta, dict):
            raise ExportError("--meta must be a JSON object")
        meta.setdefault("built_from", which)
        if a.state_dict:
            meta.setdefault("state_dict", os.path.basename(a.state_dict))
        if a.kind == "monai-unet":
            meta.setdefault("monai_unet", dict(channels=a.channels, strides=a.strides, num_res_units=a.res_units,
                                               in_channels=a.in_channels, out_channels=a.out_channels, norm=a.norm, act=a.act))
        norm = a.normalization
        if norm is not None:
            norm = {"name": norm}
            if a.intensity_range is not None:
                if len(a.intensity_range) != 2:
                    raise ExportError("--intensity-range needs LOW,HIGH")
                norm.update(low=a.intensity_range[0], high=a.intensity_range[1])
            if a.intensity_stats is not None:
                if len(a.intensity_stats) != 2:
                    raise ExportError("--intensity-stats needs MEAN,STD")
                norm.update(mean=a.intensity_stats[0], std=a.intensity_stats[1])
        elif a.intensity_range is not None or a.intensity_stats is not None:
            raise ExportError("--intensity-range and --intensity-stats go with --normalization ct or window")
        side = export(model, x, taps, a.out, spacing=a.spacing, normalization=norm,
                      patch_size=a.patch_size, activation=a.activation, foreground=a.foreground,
                      convolutions=a.convolutions, axes=a.axes, **meta)
        print(f"wrote {a.out} and {a.out[:-3]}.json: {len(side['taps'])} taps "
              f"({', '.join(t['name'] for t in side['taps'])}), size divisor {side['size_divisor']}")
        if side["meta"].get("convolutions") != a.convolutions:
            print(f"note: --convolutions {a.convolutions} differed from eager PyTorch beyond the tolerance; "
                  f"recorded as {side['meta'].get('convolutions')}", file=sys.stderr)
        return 0
    except Exception as e:
        if a.debug:
            raise
        msg = _first_line(e) if isinstance(e, ExportError) else f"{type(e).__name__}: {_first_line(e)}"
        print(f"unetscope_export: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    sys.exit(main())
