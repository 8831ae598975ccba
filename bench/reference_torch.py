#!/usr/bin/env python3
"""The `unetscope bench` reference config in plain PyTorch, for timing DJL against.

Same network as dev.unetscope.model.ResidualUNet with one residual sub-unit per level:
  unit(x) = ReLU(BN(conv3x3x3(x, stride))) + skip(x), skip = identity, or a 1x1x1 conv with that
  stride when channels or stride change; encoder strides 1,2,2,...; decoder = nearest x2 upsampling,
  3x3x3 conv to the level's channels, concat with the skip, unit(2C -> C); head = 1x1x1 conv to 1.
Training: soft Dice (smooth 1e-5, per sample, mean over the batch), torch.optim.Adam lr 1e-3.
Prints per-step seconds, the median, and the median split into forward / backward / update;
then median seconds per inferred volume (eval mode, inference_mode) at each --infer-batch.

Run: ONEDNN_MAX_CPU_ISA=AVX2 /usr/bin/python3 bench/reference_torch.py --threads 2
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def unit(cin, cout, stride, units=1, norm="batch", act="relu"):
    layers = []
    for u in range(max(1, units)):
        layers.append(nn.Conv3d(cin if u == 0 else cout, cout, 3, stride if u == 0 else 1, 1))
        layers.append(nn.BatchNorm3d(cout) if norm == "batch" else nn.InstanceNorm3d(cout, affine=True))
        layers.append(nn.ReLU() if act == "relu" else nn.PReLU(cout))
    return Residual(nn.Sequential(*layers), None if (cin == cout and stride == 1) else nn.Conv3d(cin, cout, 1, stride))


class Residual(nn.Module):
    def __init__(self, convs, skip):
        super().__init__()
        self.convs, self.skip = convs, skip

    def forward(self, x):
        return self.convs(x) + (x if self.skip is None else self.skip(x))


class NearestConvUp(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class UNet(nn.Module):
    def __init__(self, channels, units, norm, act):
        super().__init__()
        L = len(channels)
        enc, cin = [], 1
        for k in range(L):
            enc.append(unit(cin, channels[k], 1 if k == 0 else 2, units, norm, act))
            cin = channels[k]
        self.enc = nn.ModuleList(enc)
        self.ups = nn.ModuleList([NearestConvUp(channels[k + 1], channels[k]) for k in range(L - 1)])
        self.dec = nn.ModuleList([unit(2 * channels[k], channels[k], 1, units, norm, act) for k in range(L - 1)])
        self.head = nn.Conv3d(channels[0], 1, 1)

    def forward(self, x):
        skips = []
        for k, e in enumerate(self.enc):
            x = e(x)
            if k < len(self.enc) - 1:
                skips.append(x)
        for k in reversed(range(len(self.ups))):
            x = self.dec[k](torch.cat([self.ups[k](x), skips[k]], 1))
        return self.head(x)


def soft_dice(logits, target, smooth=1e-5):
    p = torch.sigmoid(logits)
    axes = tuple(range(1, p.dim()))
    inter = (p * target).sum(axes)
    denom = p.sum(axes) + target.sum(axes) + smooth
    return (1 - (2 * inter + smooth) / denom).mean()


def batch_data(n, d, h, w, seed=1):
    g = torch.Generator().manual_seed(seed)
    z, y, x = torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing="ij")
    masks = []
    for s in range(n):
        r = ((z - d / 2) * 2) ** 2 + (y - h / 2) ** 2 + (x - w / 2 + 2 - 4 * s) ** 2
        masks.append((r < (min(h, w) * 0.3) ** 2).float())
    t = torch.stack(masks)[:, None]
    return t + 0.5 * torch.randn(t.shape, generator=g), t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", default="8,16,32,64")
    ap.add_argument("--res-units", type=int, default=1)
    ap.add_argument("--norm", default="batch", choices=["batch", "instance"])
    ap.add_argument("--act", default="relu", choices=["relu", "prelu"])
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--shape", default="32,64,64", help="D,H,W")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--infer-batch", default="1,2,4", help="volumes per inference call; empty: skip inference")
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--channels-last", action="store_true", help="torch.channels_last_3d for weights and input")
    ap.add_argument("--no-mkldnn", action="store_true", help="torch.backends.mkldnn.enabled = False")
    ap.add_argument("--profile", help="write a Chrome trace of the timed training steps to this file")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    if a.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    torch.manual_seed(1)
    ch = [int(c) for c in a.channels.split(",")]
    d, h, w = (int(s) for s in a.shape.split(","))
    net = UNet(ch, a.res_units, a.norm, a.act)
    fmt = torch.channels_last_3d if a.channels_last else torch.contiguous_format
    net = net.to(memory_format=fmt)
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} mkldnn {torch.backends.mkldnn.enabled} "
          f"channels_last {a.channels_last} params {sum(p.numel() for p in net.parameters())}")

    if not a.no_train:
        x, y = batch_data(a.batch, d, h, w)
        x = x.contiguous(memory_format=fmt)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        net.train()
        tot, fw, bw, up, cpu = [], [], [], [], []
        prof = None
        for s in range(a.warmup + a.steps):
            if s == a.warmup and a.profile:
                prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
                prof.__enter__()
            c0, t0 = time.process_time(), time.perf_counter()
            loss = soft_dice(net(x), y)
            t1 = time.perf_counter()
            loss.backward()
            lv = loss.item()
            t2 = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=False)
            t3 = time.perf_counter()
            c = time.process_time() - c0
            timed = s >= a.warmup
            print(f"train step {s} {'timed' if timed else 'warm '} {t3 - t0:.3f} s (forward {t1 - t0:.3f} "
                  f"backward {t2 - t1:.3f} update {t3 - t2:.3f}) cpu {c:.3f} s loss {lv:.4f}")
            if timed:
                tot.append(t3 - t0); fw.append(t1 - t0); bw.append(t2 - t1); up.append(t3 - t2); cpu.append(c)
        if prof is not None:
            prof.__exit__(None, None, None)
            prof.export_chrome_trace(a.profile)
        print(f"train median {statistics.median(tot):.3f} s/step over {a.steps} steps (forward "
              f"{statistics.median(fw):.3f} backward {statistics.median(bw):.3f} update {statistics.median(up):.3f}; "
              f"process cpu {statistics.median(cpu):.3f} s/step)")

    net.eval()
    for nb in [int(b) for b in a.infer_batch.split(",") if b]:
        x, _ = batch_data(nb, d, h, w, seed=2)
        x = x.contiguous(memory_format=fmt)
        per, cpu = [], []
        with torch.inference_mode():
            for s in range(a.warmup + a.steps):
                c0, t0 = time.process_time(), time.perf_counter()
                p = torch.sigmoid(net(x)).contiguous().numpy().copy()
                sec, c = time.perf_counter() - t0, time.process_time() - c0
                if s >= a.warmup:
                    per.append(sec / nb)
                    cpu.append(c / nb)
        print(f"infer batch {nb} median {statistics.median(per):.3f} s/volume over {a.steps} calls "
              f"(process cpu {statistics.median(cpu):.3f} s/volume)")


if __name__ == "__main__":
    main()
