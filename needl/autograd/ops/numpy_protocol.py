"""NumPy calls on Tensors dispatch to needl ops, so a vjp written with NumPy stays differentiable."""
import numpy as np

from ..tensor import Tensor
from . import elementwise, linalg, reduce, shape


def _off_tape(function):
    def apply(*args):
        return Tensor._make(np.asarray(function(*[a._data if isinstance(a, Tensor) else a for a in args])))
    return apply


UFUNCS = {
    np.add: elementwise.add, np.subtract: elementwise.sub, np.multiply: elementwise.mul,
    np.true_divide: elementwise.div, np.power: elementwise.pow, np.negative: elementwise.neg,
    np.exp: elementwise.exp, np.log: elementwise.log, np.log1p: elementwise.log1p,
    np.sqrt: elementwise.sqrt, np.absolute: elementwise.abs, np.tanh: elementwise.tanh,
    np.sin: elementwise.sin, np.cos: elementwise.cos, np.maximum: elementwise.maximum,
    np.minimum: elementwise.minimum, np.matmul: linalg.matmul,
}
for _ufunc in (np.sign, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
               np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.invert,
               np.bitwise_and, np.bitwise_or, np.isfinite, np.isnan):
    UFUNCS[_ufunc] = _off_tape(_ufunc)


def _sum(x, axis=None, keepdims=False, **unused):
    return reduce.sum(x, dim=axis, keepdim=keepdims)


def _mean(x, axis=None, keepdims=False, **unused):
    return reduce.mean(x, dim=axis, keepdim=keepdims)


def _expand_dims(x, axis):
    axes = sorted(a % (x.ndim + len(axis)) for a in axis) if isinstance(axis, tuple) else [axis]
    for a in axes:
        x = shape.unsqueeze(x, dim=a)
    return x


def _like(function):
    def apply(x, dtype=None, **unused):
        return Tensor._make(function(x._data, dtype=dtype))
    return apply


FUNCTIONS = {
    np.sum: _sum,
    np.mean: _mean,
    np.where: lambda condition, x, y: elementwise.where(condition, x, y),
    np.broadcast_to: lambda x, shape_: shape.expand(x, sizes=tuple(shape_)),
    np.expand_dims: _expand_dims,
    np.reshape: lambda x, shape_: shape.reshape(x, shape=shape_),
    np.transpose: lambda x, axes=None: shape.permute(x, dims=tuple(axes) if axes is not None else tuple(reversed(range(x.ndim)))),
    np.swapaxes: lambda x, a, b: shape.transpose(x, dim0=a, dim1=b),
    np.squeeze: lambda x, axis=None: shape.squeeze(x, dim=axis),
    np.concatenate: lambda arrays, axis=0: shape.cat(*arrays, dim=axis),
    np.stack: lambda arrays, axis=0: shape.stack(*arrays, dim=axis),
    np.einsum: lambda equation, *operands, **unused: linalg.einsum(equation, *operands),
    np.zeros_like: _like(np.zeros_like),
    np.ones_like: _like(np.ones_like),
    np.take_along_axis: lambda x, index, axis: shape.gather(x, axis, index),
}
