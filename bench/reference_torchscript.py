#!/usr/bin/env python3
"""Times an exported TorchScript network in PyTorch, beside `unetscope bench infer --model FILE.pt`.

Same input as the Java side's shape (a seeded ellipsoid phantom batch plus noise, as reference_torch.py),
same thread count, eval mode under torch.inference_mode. Prints the median seconds per volume of:
  traced  the .pt loaded with torch.jit.load (what unetscope runs, through libtorch 2.7.1 there)
  eager   with --eager-monai C1,C2,...: the module before tracing, rebuilt from the plain-PyTorch MONAI
          topology (src/test/resources/reference/monai_unet.py) with forward hooks on the same taps
          (torchscript_fixtures.Tapped), holding the traced file's weights
with each the mean process CPU seconds per volume (Debian's OpenBLAS threads spin while they wait, so at batch 1,
where convolutions run on its GEMM, the CPU can exceed the wall time on a busy machine). --profile PREFIX writes
the timed calls' operator profiles as Chrome traces PREFIX-traced.json and PREFIX-eager.json, to set beside
`unetscope bench infer --model FILE.pt --profile P.json` (bench/profile_summary.py sums either).
Run: ONEDNN_MAX_CPU_ISA=AVX2 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/reference_torchscript.py FILE.pt --threads 2
"""
import argparse
import os
import statistics
import sys
import time

import engine_env  # noqa: E402,F401  (bin/unetscope's engine environment, set before torch loads)
import torch  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "src", "test", "resources", "reference"))
from monai_unet import UNet, tap_modules  # noqa: E402
from reference_torch import batch_data  # noqa: E402
from torchscript_fixtures import Tapped  # noqa: E402


def timed(module, x, warmup, steps, profile=None):
    """Median, min and max seconds per call and the mean process CPU seconds per call; with ``profile`` (a
    path) the timed calls' operator profile is written there as a Chrome trace (bench/profile_summary.py
    sums it, as it does the engine's)."""
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(warmup):
            module(x)
        with torch.autograd.profiler.profile(enabled=profile is not None, record_shapes=True) as prof:
            for i in range(steps):
                c0, t0 = time.process_time(), time.perf_counter()
                module(x)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    if profile is not None:
        prof.export_chrome_trace(profile)
    return statistics.median(times), min(times), max(times), statistics.mean(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--shape", default="32,64,64", help="D,H,W")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--eager-monai", default="", help="channels C1,C2,... of the MONAI-topology network in the file "
                    "(default: the sidecar's meta.monai_unet, which the exporter's monai-unet command records, with its "
                    "strides, residual units, norm and activation)")
    ap.add_argument("--strides", default="", help="S1,S2,... (default all 2)")
    ap.add_argument("--res-units", type=int, default=None, help="default 1, or the sidecar's")
    ap.add_argument("--norm", default=None, choices=["batch", "instance"], help="default instance, or the sidecar's")
    ap.add_argument("--act", default=None, choices=["relu", "prelu"], help="default prelu, or the sidecar's")
    ap.add_argument("--profile", default="", help="PREFIX: operator profiles of the timed calls as Chrome traces "
                    "PREFIX-traced.json and PREFIX-eager.json")
    a = ap.parse_args()
    side = a.model[:-3] + ".json" if a.model.endswith(".pt") else ""
    recorded = {}
    if side and os.path.exists(side):
        import json
        recorded = json.load(open(side)).get("meta", {}).get("monai_unet") or {}
    if not a.eager_monai and recorded:
        a.eager_monai = ",".join(str(c) for c in recorded["channels"])
        a.strides = a.strides or ",".join(str(s) for s in recorded["strides"])
    a.res_units = a.res_units if a.res_units is not None else recorded.get("num_res_units", 1)
    a.norm = a.norm or recorded.get("norm", "instance")
    a.act = a.act or recorded.get("act", "prelu")
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    d, h, w = (int(v) for v in a.shape.split(","))
    x, _ = batch_data(a.batch, d, h, w)
    traced = torch.jit.load(a.model).eval()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}, "
          f"input {a.batch} x 1 x {d} x {h} x {w}")
    med, lo, hi, c = timed(traced, x, a.warmup, a.steps, a.profile + "-traced.json" if a.profile else None)
    print(f"traced median {med / a.batch:.4f} s/volume ({med:.4f} s/call; min {lo:.4f} max {hi:.4f} s/call; process cpu {c / a.batch:.4f} s/volume)")
    if a.eager_monai:
        ch = [int(c) for c in a.eager_monai.split(",")]
        st = [int(s) for s in a.strides.split(",")] if a.strides else [2] * (len(ch) - 1)
        net = UNet(1, 1, ch, st, num_res_units=a.res_units, norm=a.norm, act=a.act)
        eager = Tapped(net, tap_modules(len(ch)).values()).eval()
        # the exporter's wrapper holds the network as `model`, Tapped as `net`
        sd = {"net." + k.split(".", 1)[1]: v for k, v in traced.state_dict().items()}
        eager.load_state_dict(sd)
        med, lo, hi, c = timed(eager, x, a.warmup, a.steps, a.profile + "-eager.json" if a.profile else None)
        print(f"eager median {med / a.batch:.4f} s/volume ({med:.4f} s/call; min {lo:.4f} max {hi:.4f} s/call; process cpu {c / a.batch:.4f} s/volume)")


if __name__ == "__main__":
    main()
