"""The discrete Fourier transforms of torch.fft on NumPy's pocketfft, each an op with its adjoint.

Three ops carry every transform: _c2c (fftn / ifftn), _r2c (rfftn) and _c2r (irfftn), on inputs
already cut or zero-padded to the signal sizes `s` by the op _resize. Their gradients are the
adjoint transforms with the dual normalisation (backward <-> forward, ortho <-> ortho):
  fftn:  x' = ifftn(g), real part for a real x;
  rfftn: x' = real(ifftn(g zero-padded to the full last dimension));
  irfftn: x' = rfftn(g), the bins that stand for two conjugate ones doubled,
which is PyTorch's convention for complex gradients (see complex_ops.py).
"""
import numbers

import numpy as np

from ..autograd import op
from ..autograd.tensor import Tensor
from .complex_ops import _real, complex_dtype

_NORMS = ("backward", "forward", "ortho")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _norm(name, norm):
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"{name}: Invalid normalization mode: \"{norm}\" (expected one of {_NORMS})")
    return norm


@op
def _resize(x, shape=()):
    """x cut or zero-padded (at the end of each dimension) to `shape`."""
    if x.shape == tuple(shape):
        return x
    out = np.zeros(shape, x.dtype)
    common = tuple(slice(0, min(a, b)) for a, b in zip(x.shape, shape))
    out[common] = x[common]
    return out


@_resize.vjp
def _resize_vjp(g, out, x, shape=()):
    return _resize(g, shape=x.shape)


def _floating(x):
    """A real or complex input as the transforms take it: integers and float16 become float32."""
    data = _array(x)
    if data.dtype.kind in "fc" and data.dtype != np.float16:
        return x
    from ..autograd.ops.shape import cast
    return cast(x, dtype=np.dtype(np.float32)) if isinstance(x, Tensor) else data.astype(np.float32)


@op
def _c2c(x, dims=(), norm="backward", forward=True):
    transform = np.fft.fftn if forward else np.fft.ifftn
    out = transform(x, axes=dims, norm=norm)
    return out.astype(complex_dtype(x.dtype), copy=False)


@_c2c.vjp
def _c2c_vjp(g, out, x, dims=(), norm="backward", forward=True):
    grad = _c2c(g, dims=dims, norm=_DUAL[norm], forward=not forward)
    return grad if _array(x).dtype.kind == "c" else _real(grad)


@op
def _r2c(x, dims=(), norm="backward"):
    return np.fft.rfftn(x, axes=dims, norm=norm).astype(complex_dtype(x.dtype), copy=False)


@_r2c.vjp
def _r2c_vjp(g, out, x, dims=(), norm="backward"):
    full = list(g.shape)
    full[dims[-1]] = x.shape[dims[-1]]
    return _real(_c2c(_resize(g, shape=tuple(full)), dims=dims, norm=_DUAL[norm], forward=False))


@op
def _c2r(x, dims=(), norm="backward", last_size=0):
    sizes = [x.shape[d] for d in dims[:-1]] + [last_size]
    out = np.fft.irfftn(x, s=sizes, axes=dims, norm=norm)
    real = np.float32 if x.dtype == np.complex64 else np.float64
    return out.astype(real, copy=False)


@_c2r.vjp
def _c2r_vjp(g, out, x, dims=(), norm="backward", last_size=0):
    grad = _r2c(g, dims=dims, norm=_DUAL[norm])
    bins = last_size // 2 + 1
    doubled = last_size - bins  # bins 1 .. doubled stand for themselves and their conjugates
    if doubled > 0:
        weights = np.ones(bins, _array(g).dtype)
        weights[1:1 + doubled] = 2.0
        shape = [1] * _array(g).ndim
        shape[dims[-1]] = bins
        grad = grad * weights.reshape(shape)
    return grad


def _dims(name, ndim, s, dim, default_all=True):
    """(dims, sizes) as PyTorch resolves them: dim None with s given means the last len(s) dims."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    elif s is not None:
        dims = tuple(range(ndim - len(s), ndim))
    else:
        dims = tuple(range(ndim)) if default_all else (ndim - 1,)
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1) or ndim == 0:
            raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                             f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})")
    dims = tuple(d % ndim for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name}: dims must be unique, got {dims}")
    if s is not None and len(s) != len(dims):
        raise RuntimeError(f"{name}: When given, dim and shape arguments must have the same length "
                           f"(got s={tuple(s)} and dim={dims})")
    return dims, (None if s is None else tuple(int(n) for n in s))


def _resized(x, dims, sizes):
    """x cut or padded to `sizes` along `dims` (-1 or None: keep the size)."""
    shape = list(_array(x).shape)
    for d, size in zip(dims, sizes):
        if size is not None and size != -1:
            if size < 1:
                raise RuntimeError(f"Invalid number of data points ({size}) specified")
            shape[d] = size
    return x if tuple(shape) == _array(x).shape else _resize(x, shape=tuple(shape))


def _complex_transform(name, input, s, dim, norm, forward):
    input = _floating(input)
    dims, sizes = _dims(name, _array(input).ndim, s, dim)
    if sizes is not None:
        input = _resized(input, dims, sizes)
    return _c2c(input, dims=dims, norm=_norm(name, norm), forward=forward)


def fftn(input, s=None, dim=None, norm=None):
    """The n-dimensional discrete Fourier transform over dim (all dimensions by default)."""
    return _complex_transform("fftn", input, s, dim, norm, forward=True)


def ifftn(input, s=None, dim=None, norm=None):
    """The n-dimensional inverse discrete Fourier transform."""
    return _complex_transform("ifftn", input, s, dim, norm, forward=False)


def rfftn(input, s=None, dim=None, norm=None):
    """The n-dimensional transform of a real signal: only the n//2 + 1 non-negative frequencies of
    the last dimension, the others being their conjugates."""
    input = _floating(input)
    if _array(input).dtype.kind == "c":
        raise RuntimeError(f"rfftn expects a real input tensor, but got {_array(input).dtype}")
    dims, sizes = _dims("rfftn", _array(input).ndim, s, dim)
    if sizes is not None:
        input = _resized(input, dims, sizes)
    return _r2c(input, dims=dims, norm=_norm("rfftn", norm))


def irfftn(input, s=None, dim=None, norm=None):
    """The inverse of rfftn: a real signal of sizes s (last: 2 (m - 1) for m input bins by default)."""
    input = _floating(input)
    data = _array(input)
    dims, sizes = _dims("irfftn", data.ndim, s, dim)
    sizes = list(sizes) if sizes is not None else [data.shape[d] for d in dims[:-1]] + [2 * (data.shape[dims[-1]] - 1)]
    last_size = sizes[-1] if sizes[-1] != -1 else 2 * (data.shape[dims[-1]] - 1)
    if last_size < 1:
        raise RuntimeError(f"Invalid number of data points ({last_size}) specified")
    if data.dtype.kind != "c":
        from .complex_ops import complex as make_complex
        input = make_complex(input, input * 0.0)
    input = _resized(input, dims, sizes[:-1] + [last_size // 2 + 1])
    return _c2r(input, dims=dims, norm=_norm("irfftn", norm), last_size=last_size)


def hfftn(input, s=None, dim=None, norm=None):
    """The transform of a signal that is Hermitian along the last dimension (given by its first
    half): a real result, irfftn of the conjugate with the dual normalisation."""
    from .complex_ops import conj
    return irfftn(conj(_floating(input)), s, dim, _DUAL[_norm("hfftn", norm)])


def ihfftn(input, s=None, dim=None, norm=None):
    """The inverse of hfftn for a real input: the conjugate of rfftn with the dual normalisation."""
    from .complex_ops import conj
    return conj(rfftn(input, s, dim, _DUAL[_norm("ihfftn", norm)]))


def _fixed_rank(transform, name, rank):
    """The 1-D (n, dim=-1) or 2-D (s, dim=(-2, -1)) form of an n-D transform, PyTorch's signatures."""
    if rank == 1:
        def transform_of_rank(input, n=None, dim=-1, norm=None):
            return transform(input, None if n is None else (n,), (dim,), norm)
    else:
        def transform_of_rank(input, s=None, dim=(-2, -1), norm=None):
            return transform(input, s, dim, norm)
    transform_of_rank.__name__ = transform_of_rank.__qualname__ = name
    transform_of_rank.__doc__ = f"The {rank}-D form of {transform.__name__}."
    return transform_of_rank


_N_DIMENSIONAL = {"fft": fftn, "ifft": ifftn, "rfft": rfftn, "irfft": irfftn, "hfft": hfftn, "ihfft": ihfftn}
fft, ifft, rfft, irfft, hfft, ihfft = (_fixed_rank(t, name, 1) for name, t in _N_DIMENSIONAL.items())
fft2, ifft2, rfft2, irfft2, hfft2, ihfft2 = (_fixed_rank(t, name + "2", 2) for name, t in _N_DIMENSIONAL.items())


def _default_float(dtype):
    from ..autograd import dtypes
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def fftfreq(n: int, d: float = 1.0, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of fft: [0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d n)."""
    out = Tensor._make(np.fft.fftfreq(n, d).astype(_default_float(dtype)))
    return out.requires_grad_() if requires_grad else out


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of rfft: [0, 1, ..., n // 2] / (d n)."""
    out = Tensor._make(np.fft.rfftfreq(n, d).astype(_default_float(dtype)))
    return out.requires_grad_() if requires_grad else out


@op
def _roll(x, shifts=(), dims=()):
    return np.roll(x, shifts, axis=dims)


@_roll.vjp
def _roll_vjp(g, out, x, shifts=(), dims=()):
    return _roll(g, shifts=tuple(-s for s in shifts), dims=dims)


def _shift_dims(input, dim):
    ndim = _array(input).ndim
    if dim is None:
        return tuple(range(ndim))
    return tuple(d % ndim for d in ((dim,) if isinstance(dim, numbers.Integral) else dim))


def fftshift(input, dim=None):
    """The zero frequency moved to the centre (a roll by n // 2 along each dim, all by default)."""
    dims = _shift_dims(input, dim)
    return _roll(input, shifts=tuple(_array(input).shape[d] // 2 for d in dims), dims=dims)


def ifftshift(input, dim=None):
    """The inverse of fftshift (a roll by -(n // 2))."""
    dims = _shift_dims(input, dim)
    return _roll(input, shifts=tuple(-(_array(input).shape[d] // 2) for d in dims), dims=dims)
