"""MONAI's UNet (monai/networks/nets/unet.py, v1.x) for 3D, transcribed into plain PyTorch.

Same topology and the same module names as MONAI, so state_dict() names match MONAI's own (the
test checks them against monai_unet_state_dict.txt, printed once by real MONAI). Covers what
unetscope builds: kernel_size = up_kernel_size = 3, norm-dropout-activation ("NDA") order, bias on,
instance norm without affine params (nn.InstanceNorm3d) or batch norm, nn.PReLU() (one slope) or ReLU.
Used by the parity test (monai_parity.py) and by bench/reference_torch.py.
"""
import torch
import torch.nn as nn


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


def tap_modules(levels):
    """unetscope's tap names -> module paths: enc k = down layer k, bottleneck, dec k = up layer k (k >= 2)."""
    prefix = lambda k: "model" + ".1.submodule" * (k - 1)
    taps = {f"enc{k}": prefix(k) + ".0" for k in range(1, levels)}
    taps["bottleneck"] = prefix(levels)
    taps.update({f"dec{k}": prefix(k) + ".2" for k in range(levels - 1, 1, -1)})
    return taps
