"""torch.optim.Adam (lr 1e-3, PyTorch's defaults otherwise) on one weight vector for 6 steps, the
gradients given by a formula that AdamTest repeats in Java; prints the weight after each step, one
line of %.9e values per step."""
import math
import sys

import torch

n, steps = 37, 6
w = torch.tensor([math.sin(0.37 * i) for i in range(n)], dtype=torch.float32, requires_grad=True)
opt = torch.optim.Adam([w], lr=1e-3)
for s in range(steps):
    # grads of very different sizes per step (scales 1e-4 to 1e1, times i up to 36), both signs, an exact zero at i = 0
    g = torch.tensor([math.cos(0.11 * i + s) * (10.0 ** (s - 4)) * i for i in range(n)], dtype=torch.float32)
    w.grad = g
    opt.step()
    print(" ".join("%.9e" % v for v in w.detach().tolist()))
sys.stdout.flush()
