"""NumPy calls on Tensors dispatch to needl ops, so a vjp written with NumPy stays differentiable."""
import numpy as np

from ..tensor import Tensor
from . import (complex, cumulative, elementwise, exponential, linalg, rearrange, reduce, rounding,
               shape, trigonometric, triangular)


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
    np.minimum: elementwise.minimum, np.matmul: linalg.matmul, np.sign: elementwise.sign,
    np.tan: trigonometric.tan, np.arcsin: trigonometric.asin, np.arccos: trigonometric.acos,
    np.arctan: trigonometric.atan, np.sinh: trigonometric.sinh, np.cosh: trigonometric.cosh,
    np.arcsinh: trigonometric.asinh, np.arccosh: trigonometric.acosh, np.arctanh: trigonometric.atanh,
    np.arctan2: trigonometric.atan2, np.hypot: trigonometric.hypot, np.deg2rad: trigonometric.deg2rad,
    np.rad2deg: trigonometric.rad2deg, np.exp2: exponential.exp2, np.expm1: exponential.expm1,
    np.log2: exponential.log2, np.log10: exponential.log10, np.logaddexp: exponential.logaddexp,
    np.logaddexp2: exponential.logaddexp2, np.reciprocal: exponential.reciprocal,
    np.square: exponential.square, np.floor: rounding.floor, np.ceil: rounding.ceil,
    np.trunc: rounding.trunc, np.fmod: rounding.fmod, np.remainder: rounding.remainder,
    np.floor_divide: rounding.floor_divide, np.copysign: rounding.copysign,
    np.conjugate: complex.conj,
}
for _ufunc in (np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
               np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.invert,
               np.bitwise_and, np.bitwise_or, np.isfinite, np.isnan, np.isinf, np.signbit,
               np.logical_xor):
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


def _accumulated(function):
    def apply(x, axis=None, dtype=None, **unused):
        result = function(x if axis is not None else shape.reshape(x, shape=(-1,)), dim=0 if axis is None else axis)
        return result if dtype is None else result.astype(dtype)
    return apply


FUNCTIONS = {
    np.sum: _sum,
    np.mean: _mean,
    np.where: lambda condition, x, y: elementwise.where(condition, x, y),
    np.real: complex.real,
    np.imag: complex.imag,
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
    np.cumsum: _accumulated(cumulative.cumsum),
    np.cumprod: _accumulated(cumulative.cumprod),
    np.flip: lambda x, axis=None: rearrange.flip(x, dims=tuple(range(x.ndim)) if axis is None else axis),
    np.roll: lambda x, shift, axis=None: rearrange.roll(x, shifts=shift, dims=axis),
    np.tril: lambda x, k=0: triangular.tril(x, diagonal=k),
    np.triu: lambda x, k=0: triangular.triu(x, diagonal=k),
    np.diagonal: lambda x, offset=0, axis1=0, axis2=1: triangular.diagonal(x, offset=offset, dim1=axis1, dim2=axis2),
    np.round: lambda x, decimals=0, **unused: rounding.round(x, decimals=decimals),
    np.clip: lambda x, a_min=None, a_max=None, **unused: elementwise.clamp(x, min=a_min, max=a_max),
}
