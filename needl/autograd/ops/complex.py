"""Complex numbers on the tape: conj, real, imag, complex (real + i imag), view_as_real,
view_as_complex, angle, polar, and the dtype helpers.

PyTorch's convention for complex gradients: a complex z is the pair (x, y) of reals and the
gradient of a real loss L is dL/dx + i dL/dy (the conjugate Wirtinger derivative, times 2). For a
holomorphic f that makes the vjp g * conj(f'(z)), so the vjps of the holomorphic ops (mul, exp,
matmul ...) conjugate their local derivative with `conj`, which costs one dtype check and no pass
over the data when the dtype is real.
"""
import builtins

import numpy as np

from ..function import op
from ..tensor import Tensor

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {complex_dtype: real for real, complex_dtype in _COMPLEX_OF.items()}


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def is_complex(input) -> bool:
    return _array(input).dtype.kind == "c"


def complex_dtype(dtype) -> np.dtype:
    """The complex dtype a real dtype becomes (float16 and integers: complex64, as PyTorch)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return dtype
    return _COMPLEX_OF.get(dtype, np.dtype(np.complex64))


def real_dtype(dtype) -> np.dtype:
    """The real dtype of a complex one's parts (complex64: float32); a real dtype is its own."""
    dtype = np.dtype(dtype)
    return _REAL_OF.get(dtype, dtype)


@op
def conj_physical(z):
    """The complex conjugate, computed (PyTorch's conj is lazy; NumPy has no lazy form)."""
    return np.conjugate(z)


@conj_physical.vjp
def conj_physical_vjp(g, out, z):
    return conj_physical(g)


def conj(input):
    """The complex conjugate; anything real (a tensor, an array, a number) comes back as it is.

    Tensors, arrays and numbers alike, so that a vjp can write g * conj(derivative) whatever it
    runs on (arrays, or Tensors under create_graph)."""
    dtype = getattr(input, "dtype", None)
    if dtype is None:
        return input.conjugate() if type(input) is builtins.complex else input
    return conj_physical(input) if dtype.kind == "c" else input


@op
def _real(z):
    return z.real


@_real.vjp
def _real_vjp(g, out, z):
    return complex(g, g * 0.0)


def real(input):
    """The real part (a real tensor); a real input is returned as it is."""
    return _real(input) if is_complex(input) else input


@op
def _imag(z):
    return z.imag


@_imag.vjp
def _imag_vjp(g, out, z):
    return complex(g * 0.0, g)


def imag(input):
    """The imaginary part of a complex tensor."""
    if not is_complex(input):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _imag(input)


@op
def _complex(real, imag):
    if real.dtype != imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {real.dtype} but got scalar type "
                           f"{imag.dtype} for second argument")
    out = np.empty(np.broadcast_shapes(real.shape, imag.shape), complex_dtype(real.dtype))
    out.real, out.imag = real, imag
    return out


@_complex.vjp
def _complex_vjp(g, out, real, imag, needs_input_grad):
    return (_real(g) if needs_input_grad[0] else None), (_imag(g) if needs_input_grad[1] else None)


def complex(real, imag):
    """real + i imag from two real tensors of one floating dtype (float32 gives complex64)."""
    for name, value in (("real", real), ("imag", imag)):
        if _array(value).dtype.kind != "f":
            raise RuntimeError(f"complex: expected {name} to be a floating point tensor, got {_array(value).dtype}")
    return _complex(real, imag)


@op
def _view_as_real(z):
    return np.stack((z.real, z.imag), axis=-1)


@_view_as_real.vjp
def _view_as_real_vjp(g, out, z):
    return complex(g[..., 0], g[..., 1])


def view_as_real(input):
    """A complex tensor (...) as a real one (..., 2) holding real and imaginary parts (a copy)."""
    if not is_complex(input):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _view_as_real(input)


@op
def _view_as_complex(x):
    return _complex.forward(x[..., 0], x[..., 1])


@_view_as_complex.vjp
def _view_as_complex_vjp(g, out, x):
    return _view_as_real(g)


def view_as_complex(input):
    """A real tensor (..., 2) as a complex one (...), the last dimension holding real and imaginary."""
    data = _array(input)
    if data.dtype not in _COMPLEX_OF:
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {data.dtype}")
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError(f"Tensor must have a last dimension of size 2 (got shape {data.shape})")
    return _view_as_complex(input)


@op
def _angle(z):
    return np.angle(z).astype(_REAL_OF.get(z.dtype, z.dtype), copy=False)


@_angle.vjp
def _angle_vjp(g, out, z):
    # atan2(y, x): d/dx = -y / |z|^2, d/dy = x / |z|^2, so the gradient is g i z / |z|^2
    square = _real(z) * _real(z) + _imag(z) * _imag(z)
    safe = np.where(square == 0, 1.0, square)
    scale = np.where(square == 0, 0.0, g / safe)
    return complex(-_imag(z) * scale, _real(z) * scale)


def angle(input):
    """The argument of each element, in (-pi, pi] (0 or pi for real tensors, whose gradient is 0)."""
    data = _array(input)
    if data.dtype.kind == "c":
        return _angle(input)
    return Tensor._make(np.where(np.isnan(data), np.nan, np.where(data < 0, np.pi, 0.0)).astype(
        data.dtype if data.dtype.kind == "f" else np.float32))


def polar(abs, angle):
    """abs * (cos(angle) + i sin(angle))."""
    return complex(abs * np.cos(angle), abs * np.sin(angle))  # needl's cos and sin on tensors
