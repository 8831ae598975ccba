"""The engine environment bin/unetscope gives unetscope (dev.unetscope.model.EngineEnvironment), for the
PyTorch references: import before torch, so that both sides of a comparison run alike.

oneDNN's AVX-512 path computes wrong 3D convolutions on some CPUs; OpenMP threads that spin after every
operator cost CPU on a shared machine, and under PASSIVE they spin about 0.1 ms before sleeping
(GOMP_SPINCOUNT, read when libgomp loads with torch; only under PASSIVE, as in the launcher). The
launcher's glibc MALLOC_* settings cannot be set from here (read at the first malloc): PyTorch frees each
tensor when its last reference goes, so its heap rarely reaches the trim threshold anyway.
"""
import os

if "torch" in __import__("sys").modules:
    raise RuntimeError("import engine_env before torch: libgomp and oneDNN read these when torch loads")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
if os.environ["OMP_WAIT_POLICY"].upper() == "PASSIVE":
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
