#!/usr/bin/env python3
"""The `unetscope bench` reference config in plain PyTorch, for timing DJL against.

The same network as dev.unetscope.model.ResidualUNet: MONAI's UNet topology, taken from the parity
test's plain-PyTorch transcription (src/test/resources/reference/monai_unet.py, whose state-dict
names and shapes are checked against MONAI's own). Defaults: channels 8-16-32-64, strides 2, one
residual sub-unit, batch norm, ReLU (as `unetscope bench train`).
Training: soft Dice (smooth 1e-5, per sample, mean over the batch), torch.optim.Adam lr 1e-3.
Prints per-step seconds, the median, and the median split into forward / backward / update;
then median seconds per inferred volume (eval mode, inference_mode) at each --infer-batch.

Run: ONEDNN_MAX_CPU_ISA=AVX2 /usr/bin/python3 bench/reference_torch.py --threads 2
"""
import argparse
import os
import statistics
import sys
import time

import engine_env  # noqa: E402,F401  (bin/unetscope's engine environment, set before torch loads)
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "reference"))
from monai_unet import UNet  # noqa: E402


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
    ap.add_argument("--strides", default="", help="S1,S2,... (default all 2)")
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
    ap.add_argument("--profile-infer", help="write a Chrome trace of the timed inference calls (last --infer-batch)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    if a.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    torch.manual_seed(1)
    ch = [int(c) for c in a.channels.split(",")]
    d, h, w = (int(s) for s in a.shape.split(","))
    st = [int(v) for v in a.strides.split(",")] if a.strides else [2] * (len(ch) - 1)
    net = UNet(1, 1, ch, st, num_res_units=a.res_units, norm=a.norm, act=a.act)
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
        prof = None
        with torch.inference_mode():
            for s in range(a.warmup + a.steps):
                if s == a.warmup and a.profile_infer:
                    prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
                    prof.__enter__()
                c0, t0 = time.process_time(), time.perf_counter()
                p = torch.sigmoid(net(x)).contiguous().numpy().copy()
                sec, c = time.perf_counter() - t0, time.process_time() - c0
                if s >= a.warmup:
                    per.append(sec / nb)
                    cpu.append(c / nb)
        if prof is not None:
            prof.__exit__(None, None, None)
            prof.export_chrome_trace(a.profile_infer)
        print(f"infer batch {nb} median {statistics.median(per):.3f} s/volume over {a.steps} calls "
              f"(process cpu {statistics.median(cpu):.3f} s/volume)")


if __name__ == "__main__":
    main()
