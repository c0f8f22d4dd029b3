"""pdist: the p-norm distance between every pair of rows, as the condensed upper triangle."""
import numpy as np

from ...autograd.tensor import Tensor
from .distance import _norm


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """(N, M) -> (N (N - 1) / 2,): ||x_i - x_j||_p for i < j in row-major order, as PyTorch.

    Composed from indexing and the p-norm (differentiable to any order); as the p-norm, its
    gradient is undefined where two rows coincide.
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D (shape {tuple(input.shape)})")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    first, second = np.triu_indices(input.shape[0], k=1)
    difference = input[first] - input[second]
    if p == 0:
        return Tensor._make((difference._data != 0).sum(-1).astype(input.dtype))  # a count: no gradient
    return _norm(difference, float(p), -1, False)
