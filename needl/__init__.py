"""needl: NEcessary Elements of Deep Learning, a tape-based autodiff framework in pure NumPy.

Public names only; everything is defined in the subpackages.
"""
from .autograd import (Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .autograd.creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                                full_like, is_tensor, linspace, numel, ones, ones_like, rand,
                                rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                                zeros_like)
from .autograd.dtypes import (bool, double, float, float16, float32, float64, get_default_dtype,
                              half, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .autograd.functional import (abs, amax, amin, argmax, argmin, cat, chunk, clamp, clip, cos,
                                  einsum, exp, flatten, gather, log, log1p, log_softmax,
                                  logsumexp, masked_fill, matmul, max, maximum, mean, min,
                                  minimum, permute, pow, relu, reshape, sigmoid, sin, softmax,
                                  split, sqrt, squeeze, stack, std, sum, tanh, transpose, unbind,
                                  unsqueeze, var, where)
from .autograd.random import manual_seed, seed
from . import datasets, optim, utils
from . import profiler, viz
from .serialization import load, save

__version__ = "0.1.0"
