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
