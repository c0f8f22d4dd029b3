"""needl: NEcessary Elements of Deep Learning, a tape-based autodiff framework in pure NumPy.

Public names only; everything is defined in the subpackages. As after `import torch`, every
subpackage is reachable after a bare `import needl` (`needl.nn.functional.relu`); the ones not
needed to build a tensor are imported on first use (PEP 562), which keeps `import needl` fast.
"""
import importlib as _importlib

from . import _memory  # noqa: F401  (first: glibc keeps freed memory for reuse, see _memory.py)

from .autograd import (Tensor, detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .autograd.creation import *  # noqa: F401,F403  (tensor zeros ones arange randn ...)
from .autograd.dtypes import (bool, double, float, float16, float32, float64, get_default_dtype,
                              half, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .autograd.functional import *  # noqa: F401,F403  (exp cat stack where matmul ...)
from .autograd.mode import inference_mode, is_inference_mode_enabled
from .autograd.switches import strided
from .autograd.random import get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .amp import autocast
from .compiler import compile
from .device import device
from .settings import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                       get_num_interop_threads, get_num_threads,
                       is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
                       set_num_interop_threads, set_num_threads, use_deterministic_algorithms)

__version__ = "0.1.0"

# subpackages imported on first attribute access: `needl.nn` works without `import needl.nn`
_SUBMODULES = frozenset({
    "accelerator", "amp", "autograd", "backends", "compiler", "cpu", "cuda", "datasets",
    "distributed", "distributions", "fft", "func", "hub", "jit", "linalg", "multiprocessing", "nn", "onnx",
    "optim", "profiler", "random", "serialization", "special", "storage", "testing", "utils", "vision", "viz",
})
# top-level names that live in a lazily imported subpackage
_LAZY_NAMES = {"save": "serialization", "load": "serialization",
               "UntypedStorage": "storage", "TypedStorage": "storage", "vmap": "func"}
# torch's older linear-algebra names (chain_matmul, triangular_solve ..., and the removed ones that raise)
_LAZY_NAMES.update(dict.fromkeys((
    "chain_matmul", "nuclear_norm", "frobenius_norm", "triangular_solve", "cholesky_solve", "cholesky_inverse",
    "matrix_rank", "lstsq", "solve", "eig", "symeig"), "linalg.legacy"))
_LAZY_NAMES.update(dict.fromkeys(("lu", "lu_unpack", "lu_solve"), "linalg.lu_factorization"))
# torch.conv2d, torch.layer_norm ...: nn.functional's functions (the very objects), or, where
# PyTorch's top-level signature differs (native argument order, integer reductions), its form
_LAZY_NAMES.update(dict.fromkeys((
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
    "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d", "rms_norm", "bilinear",
    "cosine_similarity", "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "celu", "selu", "rrelu", "threshold", "prelu", "hardshrink", "celu_", "selu_", "rrelu_", "relu_",
    "threshold_"), "nn.functional"))
_LAZY_NAMES.update(dict.fromkeys((
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "embedding", "adaptive_max_pool1d",
    "alpha_dropout", "feature_alpha_dropout", "feature_dropout", "feature_dropout_", "dropout_", "alpha_dropout_", "feature_alpha_dropout_", "kl_div",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
    "poisson_nll_loss", "binary_cross_entropy_with_logits", "ctc_loss", "constant_pad_nd"),
    "nn.functional.aten_forms"))


def _assert(condition, message) -> None:
    """`torch._assert`: a traceable assert; needl runs Python, so it is the assert statement."""
    assert condition, message


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
