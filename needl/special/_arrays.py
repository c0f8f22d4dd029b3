"""Array helpers shared by the special functions: dtype policy, flat kernels, masked pieces."""
import functools

import numpy as np

from ..autograd import dtypes


def result_dtype(x: np.ndarray) -> np.dtype:
    """The dtype PyTorch gives a special function of x: floats keep theirs, integers take the default."""
    if x.dtype.kind == "f":
        return x.dtype
    if x.dtype.kind in "biu":
        return dtypes.get_default_dtype()
    raise TypeError(f"expected a real floating point or integer input, got dtype {x.dtype}")


def kernel(function):
    """Run `function` on a flat float32/float64 array (float16 and integers are computed in
    float32 or the default dtype) and give the result x's shape and PyTorch's result dtype."""
    @functools.wraps(function)
    def apply(x, *args, **kwargs):
        x = np.asarray(x)
        dtype = result_dtype(x)
        flat = x.reshape(-1).astype(np.float32 if dtype == np.float16 else dtype, copy=False)
        return function(flat, *args, **kwargs).reshape(x.shape).astype(dtype, copy=False)
    return apply


def piecewise(x: np.ndarray, pieces) -> np.ndarray:
    """out[mask] = function(x[mask]) for each (mask, function) of disjoint masks over flat x.

    A piece that covers every element runs on x itself, without the gather and the scatter.
    """
    out = np.empty_like(x)
    for mask, function in pieces:
        count = np.count_nonzero(mask)
        if count == x.size:
            return function(x)
        if count:
            out[mask] = function(x[mask])
    return out
