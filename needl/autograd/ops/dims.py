"""Dimension arguments as PyTorch checks them: one place for the range rule and its message."""
import numpy as np


def dim_error(dim, ndim: int, function: str) -> IndexError:
    """PyTorch's message for a dim out of range (a 0-d tensor takes dims in [-1, 0])."""
    size = max(ndim, 1)
    return IndexError(f"{function}: Dimension out of range (expected to be in range of "
                      f"[{-size}, {size - 1}], but got {dim})")


def wrap_dim(dim, ndim: int, function: str) -> int:
    """`dim` as a non-negative axis of an `ndim`-d tensor; 0 and -1 name the only 'axis' of a 0-d one."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{function}: dim must be an int, got {type(dim).__name__} {dim!r}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise dim_error(dim, ndim, function)
    return int(dim) % size


def wrap_dims(dim, ndim: int, function: str):
    """A reduction's `dim` as NumPy's `axis`: None for every axis (also for `()` and for any dim of
    a 0-d tensor, as PyTorch reduces those), an int, or a sorted tuple of distinct ints."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        axis = wrap_dim(dim, ndim, function)
        return None if ndim == 0 else axis
    dims = tuple(dim)
    axes = tuple(sorted(wrap_dim(d, ndim, function) for d in dims))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{function}: dim {dims} names a dimension more than once")
    if not axes or ndim == 0:
        return None
    return axes
