"""The top-level function forms (needl.exp, needl.cat, needl.topk ...), as PyTorch has them.

Each name is the op (or the function with PyTorch's signature) from `ops/`; this module only
gathers them, with PyTorch's aliases (arcsin = asin, concat = cat ...), and wraps the few whose
top-level signature differs from the op's.
"""
import math
from builtins import sum as builtins_sum

import numpy as np

from . import dtypes
from .printing import set_printoptions
from .ops import (arithmetic, binary, bitwise, combinatorics, comparison, complex as complex_ops, counting,
                  cumulative, elementwise, exponential, indexing, linalg, products, rearrange, reduce,
                  rounding, scatter_into, sorting, statistics, strided, triangular, trigonometric)
from .interop import empty_strided, from_dlpack, frombuffer, to_dlpack  # noqa: F401
from .ops.matrix_exp import matrix_exp  # noqa: F401
from .switches import (get_default_device, is_anomaly_check_nan_enabled, is_storage,  # noqa: F401
                       is_warn_always_enabled, layout, set_anomaly_enabled, set_default_device,
                       set_warn_always, typename)
from .window_functions import *  # noqa: F401,F403  (hann_window hamming_window ...)
from .ops import shape as shape_ops
from .tensor import Tensor, _dim

# ---- constants and types --------------------------------------------------------------------
pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None
dtype = dtypes.dtype
finfo = dtypes.finfo
iinfo = dtypes.iinfo
promote_types = dtypes.promote_types
can_cast = dtypes.can_cast
Size = dtypes.Size
complex64 = cfloat = dtypes.complex64
complex128 = cdouble = dtypes.complex128
memory_format = strided.memory_format
contiguous_format = strided.contiguous_format
channels_last = strided.channels_last
channels_last_3d = strided.channels_last_3d
preserve_format = strided.preserve_format


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.kind == "f"


def is_nonzero(input: Tensor) -> bool:
    return comparison.is_nonzero(input)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return input.shape == other.shape


def result_type(tensor1, tensor2) -> np.dtype:
    """The dtype PyTorch's promotion gives an op on these two (tensors or numbers)."""
    from .ops.promotion import result_dtype
    return result_dtype(*(t._data if isinstance(t, Tensor) else t for t in (tensor1, tensor2)))


# ---- elementwise ----------------------------------------------------------------------------
exp = elementwise.exp
log = elementwise.log
log1p = elementwise.log1p
sqrt = elementwise.sqrt
abs = absolute = elementwise.abs
tanh = elementwise.tanh
sigmoid = elementwise.sigmoid
relu = elementwise.relu
sin = elementwise.sin
cos = elementwise.cos
pow = elementwise.pow
neg = negative = elementwise.neg
sign = elementwise.sign
maximum = elementwise.maximum
minimum = elementwise.minimum
tan = trigonometric.tan
asin = arcsin = trigonometric.asin
acos = arccos = trigonometric.acos
atan = arctan = trigonometric.atan
sinh = trigonometric.sinh
cosh = trigonometric.cosh
asinh = arcsinh = trigonometric.asinh
acosh = arccosh = trigonometric.acosh
atanh = arctanh = trigonometric.atanh
atan2 = arctan2 = trigonometric.atan2
hypot = trigonometric.hypot
deg2rad = trigonometric.deg2rad
rad2deg = trigonometric.rad2deg
exp2 = exponential.exp2
expm1 = exponential.expm1
log2 = exponential.log2
log10 = exponential.log10
logaddexp = exponential.logaddexp
logaddexp2 = exponential.logaddexp2
xlogy = exponential.xlogy
logit = exponential.logit
reciprocal = exponential.reciprocal
rsqrt = exponential.rsqrt
square = exponential.square
float_power = exponential.float_power
floor = rounding.floor
ceil = rounding.ceil
trunc = fix = rounding.trunc
frac = rounding.frac
fmod = rounding.fmod
remainder = rounding.remainder
floor_divide = rounding.floor_divide
copysign = rounding.copysign
add = arithmetic.add
sub = subtract = arithmetic.sub
rsub = arithmetic.rsub
mul = multiply = arithmetic.mul
div = divide = arithmetic.div
true_divide = arithmetic.true_divide
lerp = arithmetic.lerp
addcmul = arithmetic.addcmul
addcdiv = arithmetic.addcdiv
clamp_min = arithmetic.clamp_min
clamp_max = arithmetic.clamp_max
positive = arithmetic.positive
fmax = binary.fmax
fmin = binary.fmin
ldexp = binary.ldexp
frexp = binary.frexp
nextafter = binary.nextafter
heaviside = binary.heaviside
gcd = binary.gcd
lcm = binary.lcm
bitwise_and = bitwise.bitwise_and
bitwise_or = bitwise.bitwise_or
bitwise_xor = bitwise.bitwise_xor
bitwise_not = bitwise.bitwise_not
bitwise_left_shift = bitwise.bitwise_left_shift
bitwise_right_shift = bitwise.bitwise_right_shift


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    return rounding.round(input, decimals=decimals)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    return rounding.nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf)


def sgn(input: Tensor) -> Tensor:
    return elementwise.sign(input)


def where(condition, input=None, other=None):
    """Elements of `input` where `condition` holds, else of `other`; where(condition) is nonzero(as_tuple)."""
    if input is None and other is None:
        return indexing.nonzero(condition, as_tuple=True)
    return elementwise.where(getattr(condition, "_data", condition), input, other)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    return elementwise.clamp(input, min=getattr(min, "_data", min), max=getattr(max, "_data", max))


clip = clamp


def masked_fill(input: Tensor, mask, value) -> Tensor:
    return input.masked_fill(mask, value)


# ---- complex numbers ------------------------------------------------------------------------
is_complex = complex_ops.is_complex
real = complex_ops.real
imag = complex_ops.imag
conj = complex_ops.conj
conj_physical = complex_ops.conj_physical
complex = complex_ops.complex
view_as_real = complex_ops.view_as_real
view_as_complex = complex_ops.view_as_complex
angle = complex_ops.angle
polar = complex_ops.polar


def resolve_conj(input: Tensor) -> Tensor:
    return input  # conjugation is never lazy in needl


def is_conj(input: Tensor) -> bool:
    return False


# ---- special functions ----------------------------------------------------------------------
# needl.special and needl.linalg are imported on the first call, which keeps `import needl` fast
# (they would add about a fifth to it); each name is the function of the same name there, with
# PyTorch's top-level signature (torch.erf is torch.special.erf ...)
def erf(input: Tensor) -> Tensor:
    from ..special import erf
    return erf(input)


def erfc(input: Tensor) -> Tensor:
    from ..special import erfc
    return erfc(input)


def erfinv(input: Tensor) -> Tensor:
    from ..special import erfinv
    return erfinv(input)


def lgamma(input: Tensor) -> Tensor:
    from ..special import gammaln
    return gammaln(input)


def digamma(input: Tensor) -> Tensor:
    from ..special import digamma
    return digamma(input)


def polygamma(n: int, input: Tensor) -> Tensor:
    from ..special import polygamma
    return polygamma(n, input)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    from ..special import multigammaln
    return multigammaln(input, p)


def igamma(input: Tensor, other: Tensor) -> Tensor:
    from ..special import gammainc
    return gammainc(input, other)


def igammac(input: Tensor, other: Tensor) -> Tensor:
    from ..special import gammaincc
    return gammaincc(input, other)


def i0(input: Tensor) -> Tensor:
    from ..special import i0
    return i0(input)


def sinc(input: Tensor) -> Tensor:
    from ..special import sinc
    return sinc(input)


# ---- linear algebra: torch.linalg's, and the older forms of needl/linalg/legacy.py -------------
def det(input: Tensor) -> Tensor:
    from ..linalg import det
    return det(input)


def logdet(input: Tensor) -> Tensor:
    from ..linalg.legacy import logdet
    return logdet(input)


def slogdet(input: Tensor):
    """(sign, logabsdet), a named tuple."""
    from ..linalg import slogdet
    return slogdet(input)


def inverse(input: Tensor) -> Tensor:
    from ..linalg import inv
    return inv(input)


def matrix_power(input: Tensor, n: int) -> Tensor:
    from ..linalg import matrix_power
    return matrix_power(input, n)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    from ..linalg.legacy import cholesky
    return cholesky(input, upper)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with input = U diag(S) V^H (V, not Vh), a named tuple."""
    from ..linalg.legacy import svd
    return svd(input, some, compute_uv)


def qr(input: Tensor, some: bool = True):
    from ..linalg.legacy import qr
    return qr(input, some)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    from ..linalg.legacy import pinverse
    return pinverse(input, rcond)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    from ..linalg.legacy import norm
    return norm(input, p, dim, keepdim, dtype)


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    from ..linalg.legacy import cross
    return cross(input, other, dim)


# ---- comparisons and tests ------------------------------------------------------------------
eq = comparison.eq
ne = not_equal = comparison.ne
lt = less = comparison.lt
le = less_equal = comparison.le
gt = greater = comparison.gt
ge = greater_equal = comparison.ge
isnan = comparison.isnan
isinf = comparison.isinf
isfinite = comparison.isfinite
isposinf = comparison.isposinf
isneginf = comparison.isneginf
isreal = comparison.isreal
signbit = comparison.signbit
isclose = comparison.isclose
allclose = comparison.allclose
equal = comparison.equal
logical_and = comparison.logical_and
logical_or = comparison.logical_or
logical_xor = comparison.logical_xor
logical_not = comparison.logical_not
all = comparison.all
any = comparison.any
count_nonzero = comparison.count_nonzero


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each of elements is in test_elements (tensors or numbers), as a bool tensor."""
    data = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    tests = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._make(np.isin(data, tests, assume_unique=assume_unique, invert=invert))

# ---- products -------------------------------------------------------------------------------
matmul = linalg.matmul
einsum = linalg.einsum
mm = products.mm
bmm = products.bmm
mv = products.mv
dot = products.dot
vdot = products.vdot
outer = ger = products.outer
inner = products.inner
kron = products.kron
tensordot = products.tensordot
addmm = products.addmm
addmv = products.addmv
addr = products.addr
addbmm = products.addbmm
baddbmm = products.baddbmm
cdist = products.cdist
dist = products.dist
cov = statistics.cov
corrcoef = statistics.corrcoef

# ---- reductions -----------------------------------------------------------------------------
argmax = reduce.argmax
argmin = reduce.argmin
max = reduce.max
min = reduce.min
aminmax = reduce.aminmax
nanmean = reduce.nanmean


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    return input.sum(_dim(dim, axis), keepdim, dtype=dtype)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return reduce.nansum(input if dtype is None else input.astype(dtype), dim=_dim(dim, None), keepdim=keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    return input.mean(_dim(dim, axis), keepdim, dtype=dtype)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return input.prod(dim, keepdim, dtype=dtype)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return input.var(dim, unbiased, keepdim, correction=correction)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return input.std(dim, unbiased, keepdim, correction=correction)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) in one call."""
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(
        reduce.variance_options(dim, unbiased, correction)[0], keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) in one call."""
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(
        reduce.variance_options(dim, unbiased, correction)[0], keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return input.amax(dim, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return input.amin(dim, keepdim)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return reduce.softmax_function(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return reduce.softmax_function(input, dim, dtype, function=reduce.log_softmax)


# ---- sorting, counting, running reductions --------------------------------------------------
sort = sorting.sort
argsort = sorting.argsort
msort = sorting.msort
topk = sorting.topk
kthvalue = sorting.kthvalue
median = sorting.median
nanmedian = sorting.nanmedian
mode = sorting.mode
quantile = sorting.quantile
nanquantile = sorting.nanquantile
unique = counting.unique
unique_consecutive = counting.unique_consecutive
bincount = counting.bincount
histc = counting.histc
histogram = counting.histogram
histogramdd = counting.histogramdd
searchsorted = counting.searchsorted
bucketize = counting.bucketize
cummax = cumulative.cummax
cummin = cumulative.cummin
diff = cumulative.diff


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return cumulative.cumsum(input if dtype is None else input.astype(dtype), dim=dim)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return cumulative.cumprod(input if dtype is None else input.astype(dtype), dim=dim)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    return cumulative.logcumsumexp(input, dim=dim)


def _trapezoids(name: str, y: Tensor, x, dx, dim: int):
    """The areas of the trapezoids between neighbouring samples of y along dim, and that axis."""
    if x is not None and dx is not None:
        raise RuntimeError(f"{name}: pass x or dx, not both")
    axis = y.dim() and dim % y.dim()
    head = (slice(None),) * axis
    pairs = y[head + (slice(1, None),)] + y[head + (slice(None, -1),)]
    if x is None:
        return pairs * ((1.0 if dx is None else dx) * 0.5), axis
    spacing = cumulative.diff(x, dim=-1 if x.ndim == 1 else dim)
    if spacing.ndim == 1 and y.ndim > 1:
        spacing = spacing.reshape((-1,) + (1,) * (y.ndim - axis - 1))
    return pairs * spacing * 0.5, axis


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The integral of y along dim by the trapezoidal rule (sample points x, or spacing dx, default 1)."""
    areas, axis = _trapezoids("trapezoid", y, x, dx, dim)
    return areas.sum(axis)


trapz = trapezoid


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running integral of y along dim by the trapezoidal rule (one value fewer than y)."""
    areas, axis = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return cumulative.cumsum(areas, dim=axis)


# ---- shapes ---------------------------------------------------------------------------------
split = unsafe_split = shape_ops.split
combinations = combinatorics.combinations
vander = combinatorics.vander
unravel_index = combinatorics.unravel_index


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """input cut along dim into pieces of the given sizes (which must add up to its length)."""
    if builtins_sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} "
                           f"(input tensor's size at dimension {dim}), but got split_sizes={list(split_sizes)}")
    return shape_ops.split(input, list(split_sizes), dim)


def _split_by(name: str, dim: int, least: int):
    def split_function(input: Tensor, indices_or_sections) -> tuple:
        if input.ndim < least:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but got a "
                               f"tensor with {input.ndim} dimensions!")
        axis = 0 if name == "hsplit" and input.ndim == 1 else dim
        if isinstance(indices_or_sections, (int, np.integer)) and input.shape[axis] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {axis}, but the size of the "
                               f"dimension {input.shape[axis]} is not divisible by the split_size "
                               f"{indices_or_sections}!")
        return rearrange.tensor_split(input, indices_or_sections, axis)
    split_function.__name__ = name
    split_function.__doc__ = f"tensor_split along dim {dim} (numpy.{name}): equal sections must divide evenly."
    return split_function


hsplit = _split_by("hsplit", 1, 1)
vsplit = _split_by("vsplit", 0, 2)
dsplit = _split_by("dsplit", 2, 3)
tensor_split = rearrange.tensor_split
chunk = unsafe_chunk = shape_ops.chunk
unbind = shape_ops.unbind
flatten = shape_ops.flatten
unflatten = shape_ops.unflatten
fliplr = rearrange.fliplr
flipud = rearrange.flipud
movedim = moveaxis = rearrange.movedim
swapdims = swapaxes = rearrange.swapdims
ravel = rearrange.ravel
tile = rearrange.tile
repeat_interleave = rearrange.repeat_interleave
broadcast_shapes = rearrange.broadcast_shapes
broadcast_to = rearrange.broadcast_to
broadcast_tensors = rearrange.broadcast_tensors
atleast_1d = rearrange.atleast_1d
atleast_2d = rearrange.atleast_2d
atleast_3d = rearrange.atleast_3d
hstack = rearrange.hstack
vstack = row_stack = rearrange.vstack
dstack = rearrange.dstack
column_stack = rearrange.column_stack
meshgrid = rearrange.meshgrid
cartesian_prod = rearrange.cartesian_prod
block_diag = rearrange.block_diag
tril_indices = triangular.tril_indices
triu_indices = triangular.triu_indices
diag = triangular.diag
diag_embed = triangular.diag_embed
diagflat = triangular.diagflat
trace = triangular.trace


def flip(input: Tensor, dims) -> Tensor:
    return rearrange.flip(input, dims=dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    return rearrange.roll(input, shifts=shifts, dims=dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    return rearrange.rot90(input, k=k, dims=tuple(dims))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return triangular.tril(input, diagonal=diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return triangular.triu(input, diagonal=diagonal)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return triangular.diagonal(input, offset=offset, dim1=dim1, dim2=dim2)


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    return strided.as_strided(input, size=tuple(size), stride=tuple(stride), storage_offset=storage_offset)


def cat(tensors, dim: int = 0) -> Tensor:
    return shape_ops.cat(*tensors, dim=dim)


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    return shape_ops.stack(*tensors, dim=dim)


def reshape(input: Tensor, shape) -> Tensor:
    return input.reshape(shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return input.transpose(dim0, dim1)


def t(input: Tensor) -> Tensor:
    return input.t()


def permute(input: Tensor, dims) -> Tensor:
    return input.permute(dims)


def squeeze(input: Tensor, dim=None) -> Tensor:
    return input.squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return input.unsqueeze(dim)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    return shape_ops.clone(input)


def numel(input: Tensor) -> int:
    return input.numel()


# ---- indexing -------------------------------------------------------------------------------
gather = shape_ops.gather
index_select = indexing.index_select
masked_select = indexing.masked_select
take = indexing.take
take_along_dim = indexing.take_along_dim
nonzero = indexing.nonzero
argwhere = indexing.argwhere
narrow = indexing.narrow
narrow_copy = indexing.narrow_copy
select = indexing.select
scatter = indexing.scatter_function
scatter_add = indexing.scatter_add
scatter_reduce = indexing.scatter_reduce
index_add = indexing.index_add
index_copy = indexing.index_copy
index_fill = indexing.index_fill
masked_scatter = indexing.masked_scatter
diagonal_scatter = scatter_into.diagonal_scatter
select_scatter = scatter_into.select_scatter
slice_scatter = scatter_into.slice_scatter
as_strided_scatter = scatter_into.as_strided_scatter


def index_reduce(input: Tensor, dim: int, index, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    return scatter_into.index_reduce_(input.clone(), dim, index, source, reduce, include_self=include_self)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """input with each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    axis = input.dim() and dim % input.dim()
    others = tuple(d for d in range(input.ndim) if d != axis)
    norms = input.norm(p, dim=others, keepdim=True) if others else input.abs()
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * factor


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    return input.index_put(indices, values, accumulate)


def dropout(input: Tensor, p: float = 0.5, train: bool = True) -> Tensor:
    """torch.dropout: nn.functional.dropout with PyTorch's top-level argument names."""
    from ..nn.functional import dropout as dropout_function
    return dropout_function(input, p=p, training=train)


# the names `needl` re-exports at the top level
_MODULES = (
    "math", "np", "dtypes", "arithmetic", "comparison", "complex_ops", "counting", "cumulative", "elementwise",
    "exponential", "indexing", "linalg", "products", "rearrange", "reduce", "rounding", "sorting",
    "strided", "triangular", "trigonometric", "shape_ops", "Tensor", "binary", "bitwise", "combinatorics",
    "scatter_into", "statistics", "builtins_sum")
__all__ = sorted(name for name in globals() if not name.startswith("_") and name not in _MODULES)
