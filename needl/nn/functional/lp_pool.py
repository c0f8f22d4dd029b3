"""Power-average pooling lp_pool1d/2d/3d: (sum over each window of x^p)^(1/p), composed as PyTorch
composes it from average pooling (so gradients of any order come from the pooling ops)."""
import math

from ...autograd.ops import elementwise
from ...autograd.ops.pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ...autograd.ops.windows import pair
from ...autograd.tensor import Tensor
from .pool3d import avg_pool3d, max_pool3d

_POOLS = {1: (avg_pool1d, max_pool1d), 2: (avg_pool2d, max_pool2d), 3: (avg_pool3d, max_pool3d)}


def _lp_pool(input: Tensor, norm_type: float, kernel_size, stride, ceil_mode: bool, dims: int) -> Tensor:
    average, maximum = _POOLS[dims]
    if norm_type == math.inf:
        return maximum(elementwise.abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -maximum(-elementwise.abs(input), kernel_size, stride, 0, 1, ceil_mode)
    volume = math.prod(pair(kernel_size, "kernel_size", f"lp_pool{dims}d", dims))
    mean = average(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    # relu(m) - relu(-m) is m with PyTorch's sign(m) * relu(|m|) gradient (zero where m == 0)
    return ((elementwise.relu(mean) - elementwise.relu(-mean)) * volume) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum of x^p over each window of (N, C, L))^(1/p); p = inf is max pooling of |x|."""
    return _lp_pool(input, float(norm_type), kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum of x^p over each window of (N, C, H, W))^(1/p)."""
    return _lp_pool(input, float(norm_type), kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum of x^p over each window of (N, C, D, H, W))^(1/p)."""
    return _lp_pool(input, float(norm_type), kernel_size, stride, ceil_mode, 3)
