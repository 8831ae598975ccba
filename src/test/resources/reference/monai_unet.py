"""MONAI's UNet (monai/networks/nets/unet.py, v1.x) for 3D in plain PyTorch, re-exported from the
shipped exporter (python/unetscope_export.py), which holds the one copy of the transcription.

Same topology and the same module names as MONAI, so state_dict() names match MONAI's own (the
test checks them against monai_unet_state_dict.txt, printed once by real MONAI). Covers what
unetscope builds: kernel_size = up_kernel_size = 3, norm-dropout-activation ("NDA") order, bias on,
instance norm without affine params (nn.InstanceNorm3d) or batch norm, nn.PReLU() (one slope) or ReLU.
Used by the parity test (monai_parity.py), by bench/reference_torch.py and the exporter tests.

Finds python/ through $UNETSCOPE_PYTHON_DIR, else above this file, else above the current folder
(the tests copy this file to a temporary folder and run with the repository as current folder).
"""
import os
import sys


def _python_dir():
    env = os.environ.get("UNETSCOPE_PYTHON_DIR")
    if env:
        return env
    for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        d = start
        while True:
            if os.path.isfile(os.path.join(d, "python", "unetscope_export.py")):
                return os.path.join(d, "python")
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    raise ImportError("cannot find python/unetscope_export.py: set UNETSCOPE_PYTHON_DIR to the repository's python folder")


sys.path.insert(0, _python_dir())
from unetscope_export import Convolution, ResidualUnit, SkipConnection, UNet  # noqa: E402,F401
from unetscope_export import monai_unet_taps as tap_modules  # noqa: E402,F401
