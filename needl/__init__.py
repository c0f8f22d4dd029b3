"""needl: NEcessary Elements of Deep Learning, a tape-based autodiff framework in pure NumPy.

Public names only; everything is defined in the subpackages. As after `import torch`, every
subpackage is reachable after a bare `import needl` (`needl.nn.functional.relu`); the ones not
needed to build a tensor are imported on first use (PEP 562), which keeps `import needl` fast.
"""
import importlib as _importlib

from .autograd import (Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .autograd.creation import *  # noqa: F401,F403  (tensor zeros ones arange randn ...)
from .autograd.dtypes import (bool, double, float, float16, float32, float64, get_default_dtype,
                              half, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .autograd.functional import *  # noqa: F401,F403  (exp cat stack where matmul ...)
from .autograd.random import manual_seed, seed

__version__ = "0.1.0"

# subpackages imported on first attribute access: `needl.nn` works without `import needl.nn`
_SUBMODULES = frozenset({
    "accelerator", "amp", "autograd", "backends", "cpu", "cuda", "datasets", "distributed",
    "distributions", "fft", "hub", "jit", "linalg", "multiprocessing", "nn", "onnx", "optim",
    "profiler", "serialization", "special", "testing", "utils", "vision", "viz",
})
# top-level names that live in a lazily imported subpackage
_LAZY_NAMES = {"save": "serialization", "load": "serialization"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in _LAZY_NAMES:
        value = getattr(_importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'needl' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY_NAMES))
