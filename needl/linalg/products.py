"""Products and views: cross vecdot multi_dot matrix_power diagonal (and matmul, re-exported)."""
import numbers

import numpy as np

from ..autograd import op
from ..autograd.ops import reduce, triangular
from ..autograd.ops import shape as shape_ops
from ..autograd.ops.linalg import matmul
from ..autograd.tensor import Tensor
from . import _checks
from .inverse import inv


@op
def _cross(a, b, dim=-1):
    return np.cross(a, b, axis=dim)


@_cross.vjp
def _cross_vjp(g, out, a, b, needs_input_grad, dim=-1):
    # <g, a x b> = <b x g, a> = <g x a, b>
    return (_cross(b, g, dim=dim) if needs_input_grad[0] else None,
            _cross(g, a, dim=dim) if needs_input_grad[1] else None)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along dim; the other dimensions broadcast."""
    a, b = _checks.array(input), _checks.array(other)
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions "
                           f"(got {a.ndim} and {b.ndim})")
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. "
                           f"Got {a.shape[dim]} and {b.shape[dim]}")
    return _cross(input, other, dim=dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) along dim, the other dimensions broadcast (real tensors)."""
    return reduce.sum(x * y, dim=dim)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n by repeated squaring (n < 0: powers of inv(A); n = 0: the identity)."""
    _checks.square("matrix_power", A)
    if not isinstance(n, numbers.Integral):
        raise TypeError(f"matrix_power: n must be an integer, got {type(n).__name__}")
    data = _checks.array(A)
    if n == 0:
        return Tensor._make(np.broadcast_to(np.eye(data.shape[-1], dtype=data.dtype), data.shape).copy())
    base = inv(A) if n < 0 else A
    n = abs(int(n))
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def _chain_order(shapes):
    """The cheapest parenthesisation of a matrix chain (the classic O(k^3) dynamic programme)."""
    sizes = [shapes[0][0]] + [shape[1] for shape in shapes]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                candidate = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if candidate < cost[i][j]:
                    cost[i][j], split[i][j] = candidate, k
    return split


def multi_dot(tensors) -> Tensor:
    """A chain of matrix products in the cheapest order; the first and last may be 1-D vectors."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = _checks.array(tensors[0]).ndim == 1, _checks.array(tensors[-1]).ndim == 1
    if first_vector:
        tensors[0] = shape_ops.unsqueeze(tensors[0], dim=0)
    if last_vector:
        tensors[-1] = shape_ops.unsqueeze(tensors[-1], dim=1)
    shapes = [_checks.array(t).shape for t in tensors]
    for i, shape in enumerate(shapes):
        if len(shape) != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {len(shape)}D")
    for i in range(len(shapes) - 1):
        if shapes[i][1] != shapes[i + 1][0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {shapes[i]} and "
                               f"{shapes[i + 1]} cannot be multiplied")
    split = _chain_order(shapes)

    def product(i, j):
        return tensors[i] if i == j else matmul(product(i, split[i][j]), product(split[i][j] + 1, j))

    result = product(0, len(tensors) - 1)
    if first_vector:
        result = shape_ops.squeeze(result, dim=0)
    if last_vector:
        result = shape_ops.squeeze(result, dim=-1)
    return result


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal (offset above it, or below if negative) of the matrices formed by dim1 and dim2,
    as a new last dimension (a view: torch.diagonal with the last two dims as the default)."""
    return triangular.diagonal(A, offset=offset, dim1=dim1, dim2=dim2)
