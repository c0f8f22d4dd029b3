"""embedding: rows of a weight matrix picked by integer indices; the gradient scatters back."""
import numpy as np

from ...autograd import op
from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor


@op
def _embedding(weight, indices, padding_idx=None, scale_grad_by_freq=False):
    return weight[indices]


@op
def _embedding_backward(g, indices, rows=0, padding_idx=None, scale_grad_by_freq=False):
    """The weight gradient as an op of g, so that backward(create_graph=True) can differentiate it."""
    return _embedding_gradient(g, (rows, g.shape[-1]), indices, padding_idx, scale_grad_by_freq)


@_embedding_backward.vjp
def _embedding_backward_vjp(gg, out, g, indices, rows=0, padding_idx=None, scale_grad_by_freq=False):
    return _embedding(gg, indices) * _row_scale(indices, rows, padding_idx, scale_grad_by_freq, gg.dtype), None


def _row_scale(indices, rows, padding_idx, scale_grad_by_freq, dtype):
    """Per looked-up position: 0 at padding_idx, 1/count with scale_grad_by_freq, else 1."""
    scale = np.ones(indices.shape + (1,), dtype=dtype)
    if scale_grad_by_freq:
        scale /= np.bincount(indices.reshape(-1), minlength=rows)[indices][..., None]
    if padding_idx is not None:
        scale[indices == padding_idx] = 0
    return scale


@_embedding.vjp
def _embedding_vjp(g, out, weight, indices, padding_idx=None, scale_grad_by_freq=False):
    if isinstance(g, Tensor):
        return _embedding_backward(g, _data(indices), rows=weight.shape[0], padding_idx=padding_idx,
                                   scale_grad_by_freq=scale_grad_by_freq), None
    return _embedding_gradient(g, weight.shape, indices, padding_idx, scale_grad_by_freq), None


def _data(value):
    return value._data if isinstance(value, Tensor) else value


def _embedding_gradient(g, weight_shape, indices, padding_idx, scale_grad_by_freq):
    # sort the indices once, then sum each run of equal indices with one reduceat (faster than np.add.at)
    flat = indices.reshape(-1)
    rows = g.reshape(flat.size, weight_shape[1])
    grad = np.zeros(weight_shape, dtype=g.dtype)
    if flat.size == 0:
        return grad
    order = np.argsort(flat, kind="stable")
    sorted_indices = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_indices[1:] != sorted_indices[:-1])))
    sums = np.add.reduceat(rows[order], starts, axis=0)
    if scale_grad_by_freq:
        counts = np.diff(np.append(starts, flat.size))
        sums /= counts[:, None].astype(sums.dtype)
    grad[sorted_indices[starts]] = sums
    if padding_idx is not None:
        grad[padding_idx] = 0
    return grad


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """weight[input]: input (*) integer indices, weight (num_embeddings, embedding_dim) -> (*, embedding_dim).

    The row at padding_idx gets no gradient; max_norm renormalises the looked-up rows in place.
    """
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected indices of an integer dtype (int64), got {indices.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {tuple(weight.shape)}")
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].reshape(-1)[0]
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of {count} rows "
                         f"(valid indices are 0 to {count - 1})")
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise ValueError(f"Padding_idx must be within num_embeddings ({count}), got {padding_idx}")
        padding_idx = padding_idx % count
    if max_norm is not None:
        with no_grad():
            used = np.unique(indices)
            rows = weight._data[used]
            norms = np.linalg.norm(rows, ord=norm_type, axis=1, keepdims=True)
            factor = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight._data[used] = rows * factor.astype(weight.dtype)
    return _embedding(weight, indices, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
