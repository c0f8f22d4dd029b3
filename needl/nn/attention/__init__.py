"""needl.nn.attention: PyTorch's SDPBackend and sdpa_kernel, for programs that pick an attention kernel.

needl has one implementation of scaled_dot_product_attention (the "math" one, in NumPy), so
choosing backends changes nothing: `with sdpa_kernel(SDPBackend.FLASH_ATTENTION):` runs the same
computation, whose results PyTorch's fused kernels match up to rounding.
"""
import enum
from contextlib import contextmanager
from typing import Iterable, Union


class SDPBackend(enum.IntEnum):
    """The attention kernels PyTorch can pick from (the values are PyTorch's)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_backends = [SDPBackend.MATH, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
             SDPBackend.CUDNN_ATTENTION, SDPBackend.OVERRIDEABLE]


def _allowed() -> list:
    return list(_backends)


@contextmanager
def sdpa_kernel(backends: Union[SDPBackend, Iterable[SDPBackend]], set_priority: bool = False):
    """Within the block, only `backends` may run attention (recorded; needl always computes the math way)."""
    global _backends
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for backend in chosen:
        if not isinstance(backend, SDPBackend):
            raise ValueError(f"sdpa_kernel: backends must be SDPBackend members, got {backend!r}")
    previous = _backends
    _backends = chosen
    try:
        yield
    finally:
        _backends = previous


__all__ = ["SDPBackend", "sdpa_kernel"]
