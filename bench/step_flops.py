#!/usr/bin/env python3
"""FLOPs of one training step and one inference pass of the `unetscope bench` reference config, counted
from the network (convolutions and transposed convolutions; norms, activations and the update are
well under 1 % and left out), and the GFLOP/s that a measured time gives against a peak.

Counted with forward hooks on the plain-PyTorch MONAI topology (src/test/resources/reference/monai_unet.py):
a convolution costs 2 x output voxels x kernel volume x C_in x C_out FLOPs, a transposed convolution
2 x input voxels x kernel volume x C_in x C_out. A step is forward + backward: the backward computes the
input gradient and the weight gradient of every convolution (twice the forward's FLOPs) except the
input gradient of the convolutions that read the image. unetscope computes each stride-2 transposed
convolution as a 2x2x2 convolution to 8 x C_out channels (model/TransposedConv3d): 64 taps per input
voxel where the transposed convolution has 27, so the engine executes more than the network needs;
both are printed, the GFLOP/s use the network's count.

Run: /usr/bin/python3 bench/step_flops.py [--batch 2] [--shape 32,64,64] [--step-seconds S] [--infer-seconds S]
     [--cores 2] [--ghz 2.6] [--flops-per-cycle 32]
(peak = cores x GHz x FLOPs per cycle; 32 = two 256-bit FMA pipes x 8 floats x 2, AVX2 on AMD Zen 4)
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "reference"))
from monai_unet import UNet  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", default="8,16,32,64")
    ap.add_argument("--res-units", type=int, default=1)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--shape", default="32,64,64")
    ap.add_argument("--step-seconds", type=float)
    ap.add_argument("--infer-seconds", type=float, help="seconds per volume")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--ghz", type=float, default=2.6)
    ap.add_argument("--flops-per-cycle", type=int, default=32)
    a = ap.parse_args()
    ch = [int(c) for c in a.channels.split(",")]
    d, h, w = (int(v) for v in a.shape.split(","))
    net = UNet(1, 1, ch, [2] * (len(ch) - 1), num_res_units=a.res_units, norm="batch", act="relu")
    count = {"conv": 0, "transposed": 0, "transposed_as_2x2x2": 0, "reads_image": 0}

    def hook(m, inputs, out):
        x = inputs[0]
        if isinstance(m, torch.nn.ConvTranspose3d):
            vox = x.numel() // x.shape[1]
            count["transposed"] += 2 * vox * 27 * m.in_channels * m.out_channels
            taps = 64 if m.stride[0] == 2 else 27
            count["transposed_as_2x2x2"] += 2 * vox * taps * m.in_channels * m.out_channels
        else:
            f = 2 * (out.numel() // out.shape[1]) * m.kernel_size[0] * m.kernel_size[1] * m.kernel_size[2] * m.in_channels * m.out_channels
            count["conv"] += f
            if x.data_ptr() == image.data_ptr():
                count["reads_image"] += f

    for m in net.modules():
        if isinstance(m, (torch.nn.Conv3d, torch.nn.ConvTranspose3d)):
            m.register_forward_hook(hook)
    image = torch.zeros(a.batch, 1, d, h, w)
    with torch.no_grad():
        net(image)
    fwd = count["conv"] + count["transposed"]
    step = 3 * fwd - count["reads_image"]
    fwd_engine = count["conv"] + count["transposed_as_2x2x2"]
    step_engine = 3 * fwd_engine - count["reads_image"]
    peak = a.cores * a.ghz * a.flops_per_cycle
    print(f"batch {a.batch} x 1 x {d} x {h} x {w}, channels {a.channels}, {a.res_units} residual sub-unit(s)")
    print(f"forward {fwd / 1e9:.3f} GFLOP ({fwd / a.batch / 1e9:.3f} per volume); training step {step / 1e9:.3f} GFLOP")
    print(f"as unetscope computes it (transposed as 2x2x2 to 8 x C_out): forward {fwd_engine / 1e9:.3f}, step {step_engine / 1e9:.3f} GFLOP")
    print(f"peak {peak:.0f} GFLOP/s ({a.cores} cores x {a.ghz} GHz x {a.flops_per_cycle} FLOP/cycle)")
    if a.step_seconds:
        g = step / a.step_seconds / 1e9
        print(f"step {a.step_seconds:.4f} s: {g:.1f} GFLOP/s, {100 * g / peak:.1f} % of peak")
    if a.infer_seconds:
        g = fwd / a.batch / a.infer_seconds / 1e9
        print(f"inference {a.infer_seconds:.4f} s/volume: {g:.1f} GFLOP/s, {100 * g / peak:.1f} % of peak")


if __name__ == "__main__":
    main()
