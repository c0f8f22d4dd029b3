"""The top-level function forms (needl.exp, needl.cat ...), as PyTorch has them."""
from .ops import elementwise, linalg, reduce
from .ops import shape as shape_ops
from .tensor import Tensor, _dim

exp = elementwise.exp
log = elementwise.log
log1p = elementwise.log1p
sqrt = elementwise.sqrt
abs = elementwise.abs
tanh = elementwise.tanh
sigmoid = elementwise.sigmoid
relu = elementwise.relu
sin = elementwise.sin
cos = elementwise.cos
pow = elementwise.pow
maximum = elementwise.maximum
minimum = elementwise.minimum
matmul = linalg.matmul
einsum = linalg.einsum
argmax = reduce.argmax
argmin = reduce.argmin
gather = shape_ops.gather
split = shape_ops.split
chunk = shape_ops.chunk
unbind = shape_ops.unbind
flatten = shape_ops.flatten


def where(condition, input, other) -> Tensor:
    """Elements of `input` where `condition` holds, else of `other` (bool condition, off the tape)."""
    return elementwise.where(condition, input, other)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    return elementwise.clamp(input, min=min, max=max)


clip = clamp


def masked_fill(input: Tensor, mask, value) -> Tensor:
    return input.masked_fill(mask, value)


def cat(tensors, dim: int = 0) -> Tensor:
    return shape_ops.cat(*tensors, dim=dim)


concat = cat


def stack(tensors, dim: int = 0) -> Tensor:
    return shape_ops.stack(*tensors, dim=dim)


def reshape(input: Tensor, shape) -> Tensor:
    return input.reshape(shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims) -> Tensor:
    return input.permute(dims)


def squeeze(input: Tensor, dim=None) -> Tensor:
    return input.squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return input.unsqueeze(dim)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    return input.sum(_dim(dim, axis), keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    return input.mean(_dim(dim, axis), keepdim)


def var(input: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None) -> Tensor:
    return input.var(dim, unbiased, keepdim, correction=correction)


def std(input: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None) -> Tensor:
    return input.std(dim, unbiased, keepdim, correction=correction)


def max(input: Tensor, dim=None, keepdim: bool = False):
    return input.max(dim, keepdim)


def min(input: Tensor, dim=None, keepdim: bool = False):
    return input.min(dim, keepdim)


def amax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return input.amax(dim, keepdim)


def amin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return input.amin(dim, keepdim)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int) -> Tensor:
    return reduce.softmax(input, dim=dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    return reduce.log_softmax(input, dim=dim)

# the names `needl` re-exports at the top level
__all__ = ["exp", "log", "log1p", "sqrt", "abs", "tanh", "sigmoid", "relu", "sin", "cos", "pow",
           "maximum", "minimum", "matmul", "einsum", "argmax", "argmin", "gather", "split",
           "chunk", "unbind", "flatten", "where", "clamp", "clip", "masked_fill", "cat", "concat",
           "stack", "reshape", "transpose", "permute", "squeeze", "unsqueeze", "sum", "mean",
           "var", "std", "max", "min", "amax", "amin", "logsumexp", "softmax", "log_softmax"]
