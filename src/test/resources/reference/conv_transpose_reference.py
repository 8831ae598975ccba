"""torch.nn.functional.conv_transpose3d (kernel 3, padding 1, output_padding stride-1) on a tiny seeded
case, with the gradient of sum(y * r) by the weight, written to ARGDIR/conv_transpose.safetensors for
TransposedConv3dTest."""
import sys

import torch
import torch.nn.functional as F

from monai_parity import save_safetensors

torch.manual_seed(3)
out = {}
for s in (2, 1):
    x = torch.randn(2, 3, 2, 3, 4)
    w = torch.randn(3, 2, 3, 3, 3, requires_grad=True)
    b = torch.randn(2)
    y = F.conv_transpose3d(x, w, b, stride=s, padding=1, output_padding=s - 1)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    for k, v in dict(x=x, w=w, b=b, y=y, r=r, grad_w=w.grad).items():
        out[f"s{s}.{k}"] = v.detach().numpy()
save_safetensors(sys.argv[1] + "/conv_transpose.safetensors", out)
