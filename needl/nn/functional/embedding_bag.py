"""embedding_bag: the sum, mean or max of each bag of embedding rows, without a padded batch.

The rows come from `embedding` (its gradient scatters back into the weight); a bag reduction
op sums (or takes the max of) each contiguous run of rows. Its adjoint is a gather of the
bags' gradients (masked to each bag's first maximum for max), and that gather's adjoint is the
sum again, so gradients of any order work.
"""
from typing import Optional

import numpy as np

from ...autograd.function import op
from ...autograd.tensor import Tensor
from .embedding import embedding


def _array(value):
    return value._data if isinstance(value, Tensor) else value


def _runs(bags):
    """Start of each run of equal bag ids (bags are non-decreasing) and the bag each run is."""
    starts = np.flatnonzero(np.concatenate(([True], bags[1:] != bags[:-1])))
    return starts, bags[starts]


@op
def _bag_sum(rows, bags=None, count=0):
    """(L, D) rows -> (count, D): the sum of the rows of each bag (zeros for an empty bag)."""
    out = np.zeros((count,) + rows.shape[1:], rows.dtype)
    if len(bags):
        starts, ids = _runs(bags)
        out[ids] = np.add.reduceat(rows, starts, axis=0)
    return out


@_bag_sum.vjp
def _bag_sum_vjp(grad, out, rows, bags=None, count=0):
    return _bag_take(grad, bags=bags)


@op
def _bag_take(grad, bags=None):
    """(count, D) -> (L, D): each row gets its bag's value (the adjoint of _bag_sum)."""
    return grad[bags]


@_bag_take.vjp
def _bag_take_vjp(grad_rows, out, grad, bags=None):
    return _bag_sum(grad_rows, bags=bags, count=grad.shape[0])


def _first_max_mask(rows, out, bags):
    """(L, D) booleans: where each bag's first maximum (per column) lies, PyTorch's choice."""
    position = np.where(rows == out[bags], np.arange(len(bags))[:, None], len(bags))
    starts, ids = _runs(bags)
    first = np.minimum.reduceat(position, starts, axis=0)  # (runs, D)
    winner = np.full(out.shape, -1)
    winner[ids] = first
    return np.arange(len(bags))[:, None] == winner[bags]


@op
def _bag_max(rows, bags=None, count=0):
    out = np.zeros((count,) + rows.shape[1:], rows.dtype)
    if len(bags):
        starts, ids = _runs(bags)
        out[ids] = np.maximum.reduceat(rows, starts, axis=0)
    return out


@_bag_max.vjp
def _bag_max_vjp(grad, out, rows, bags=None, count=0):
    mask = _first_max_mask(_array(rows), _array(out), bags).astype(_array(rows).dtype)
    return _bag_take(grad, bags=bags) * mask


def _bags(function, indices, offsets, include_last_offset):
    """Flat indices, the bag of each, and the number of bags, from a 2-D input or a 1-D input + offsets."""
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{function}: if input is 2-D, then offsets has to be None, as input is treated "
                             f"as a mini-batch of fixed length sequences (input of shape {indices.shape})")
        count, length = indices.shape
        return indices.reshape(-1), np.repeat(np.arange(count), length), count
    if indices.ndim != 1:
        raise ValueError(f"{function}: input has to be 1-D or 2-D, got shape {indices.shape}")
    if offsets is None:
        raise ValueError(f"{function}: offsets has to be a 1-D Tensor but got None")
    offsets = np.asarray(_array(offsets))
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu":
        raise ValueError(f"{function}: offsets has to be a 1-D integer Tensor, got {offsets.dtype} of shape "
                         f"{offsets.shape}")
    if offsets.size and offsets[0] != 0:
        raise ValueError(f"{function}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has "
                         f"to start from position 0. However, got {offsets[0]}")
    if np.any(np.diff(offsets) < 0) or (offsets.size and offsets[-1] > len(indices)):
        raise ValueError(f"{function}: offsets must be non-decreasing and at most the input's length "
                         f"{len(indices)}, got {offsets.tolist()}")
    ends = np.append(offsets[1:], len(indices)) if not include_last_offset else offsets[1:]
    starts = offsets if not include_last_offset else offsets[:-1]
    if include_last_offset and offsets.size and offsets[-1] != len(indices):
        # PyTorch ignores indices past the last offset
        indices = indices[:offsets[-1]]
    count = len(starts)
    lengths = ends - starts
    return indices, np.repeat(np.arange(count), lengths), count


def embedding_bag(input: Tensor, weight: Tensor, offsets: Optional[Tensor] = None, max_norm: Optional[float] = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Optional[Tensor] = None, include_last_offset: bool = False,
                  padding_idx: Optional[int] = None) -> Tensor:
    """(bags, embedding_dim): the sum, mean or max of weight's rows over each bag of indices.

    input is (B, N) (B bags of N indices) or 1-D with `offsets` (the start of each bag);
    per_sample_weights (mode='sum' only) scales each row; rows at padding_idx are left out
    (an empty bag gives zeros).
    """
    function = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{function}: mode has to be one of sum, mean or max, got '{mode}'")
    indices = np.asarray(_array(input))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{function}: expected indices of an integer dtype (int64), got {indices.dtype}")
    weights = per_sample_weights
    if weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{function}: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature "
                                      f"request on GitHub.")
        if tuple(weights.shape) != indices.shape:
            raise ValueError(f"{function}: per_sample_weights of shape {tuple(weights.shape)} must have the "
                             f"input's shape {indices.shape}")
    flat, bags, count = _bags(function, indices, offsets, include_last_offset)
    if weights is not None:
        weights = weights.reshape(-1)[:len(flat)]
    if padding_idx is not None:
        rows_count = weight.shape[0]
        if not -rows_count <= padding_idx < rows_count:
            raise ValueError(f"padding_idx must be within the number of embeddings ({rows_count}), got {padding_idx}")
        keep = flat != padding_idx % rows_count
        if not keep.all():
            flat, bags = flat[keep], bags[keep]
            if weights is not None:
                weights = weights[np.flatnonzero(keep)]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if weights is not None:
        rows = rows * weights.unsqueeze(-1)
    if mode == "max":
        return _bag_max(rows, bags=bags, count=count)
    total = _bag_sum(rows, bags=bags, count=count)
    if mode == "sum":
        return total
    sizes = np.bincount(bags, minlength=count).astype(weight.dtype)
    return total / np.maximum(sizes, 1)[:, None]
