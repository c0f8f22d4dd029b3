"""Less common losses, composed from recorded ops (PyTorch's formulas; every order of gradient works)."""
import math

import numpy as np

from ...autograd.ops import elementwise
from ...autograd.tensor import Tensor
from .activation import logsigmoid, softplus
from .distance import pairwise_distance
from .loss import _check_reduction, _legacy_reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _data(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) for labels y in {-1, 1}."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(softplus(-target * input), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): y = 1 says x1 should rank higher."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    labels = _data(target)
    loss = (elementwise.where(labels != 1, (margin - input).clamp(min=0), 0.0)
            + elementwise.where(labels != -1, input, 0.0))
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    dim = 1 if input1.ndim == 2 else 0
    products = (input1 * input2).sum(dim)
    magnitudes = (((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)) ** 0.5
    cosine = products / magnitudes
    labels = _data(target)
    loss = (elementwise.where(labels == 1, 1 - cosine, 0.0)
            + elementwise.where(labels == -1, (cosine - margin).clamp(min=0), 0.0))
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm distance (swap: the closer of d(a, n), d(p, n))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    distance_positive = pairwise_distance(anchor, positive, p, eps)
    distance_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        distance_negative = elementwise.minimum(distance_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce((distance_positive - distance_negative + margin).clamp(min=0), reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """exp(x) - y x (log_input) or x - y log(x + eps); full adds Stirling's term where y > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        y = _data(target).astype(_data(input).dtype)
        safe = np.where(y > 1, y, 1)
        stirling = np.where(y > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * math.pi * safe), 0)
        loss = loss + stirling.astype(y.dtype)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 (log var + (x - y)^2 / var) with var clamped at eps (the clamp passes gradients through)."""
    _check_reduction(reduction)
    input_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape != input_shape:
        if input_shape[:-1] == var_shape:
            var = var.unsqueeze(-1)
        elif not (input_shape[:-1] == var_shape[:-1] and var_shape[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss: var of shape {var_shape} is of incorrect size for input of "
                             f"shape {input_shape}")
    if np.any(_data(var) < 0):
        raise ValueError("var has negative entry/entries")
    clamped = np.maximum(_data(var), eps)
    var = var + (clamped - _data(var))  # the clamped value, with the identity's gradient (as PyTorch)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits per class, averaged over the classes of each sample."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def _class_targets(function: str, input: Tensor, target) -> np.ndarray:
    labels = _data(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{function}: expected integer class targets (int64), got {labels.dtype}")
    return labels.astype(np.int64, copy=False)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])^p / C (times weight[y])."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    unbatched = input.ndim == 1
    scores = input.unsqueeze(0) if unbatched else input
    labels = _class_targets("multi_margin_loss", input, target).reshape(-1)
    if scores.ndim != 2 or labels.shape != (scores.shape[0],):
        raise ValueError(f"multi_margin_loss: expected input (N, C) or (C,) and target (N,) or (), got input of "
                         f"shape {tuple(input.shape)} and target of shape {_data(target).shape}")
    batch, classes = scores.shape
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise IndexError(f"multi_margin_loss: target {labels.tolist()} out of range for {classes} classes")
    rows = np.arange(batch)
    correct = scores[rows, labels].unsqueeze(1)
    hinge = (scores - correct + margin).clamp(min=0)
    if p == 2:
        hinge = hinge * hinge
    others = (np.arange(classes)[None, :] != labels[:, None]).astype(_data(input).dtype)
    hinge = hinge * others
    if weight is not None:
        hinge = hinge * weight[labels].unsqueeze(1)
    loss = hinge.sum(1) / classes
    return _reduce(loss[0] if unbatched and reduction == "none" else loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: for each target class j and non-target class i, max(0, 1 - (x[j] - x[i])),
    summed and divided by C. target (N, C) lists the target classes, ended by the first -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    unbatched = input.ndim == 1
    scores = input.unsqueeze(0) if unbatched else input
    labels = _class_targets("multilabel_margin_loss", input, target)
    labels = labels[None] if labels.ndim == 1 else labels
    if scores.ndim != 2 or labels.shape != tuple(scores.shape):
        raise ValueError(f"multilabel_margin_loss: expected input (N, C) or (C,) and a target of the same shape, "
                         f"got input of shape {tuple(input.shape)} and target of shape {_data(target).shape}")
    batch, classes = scores.shape
    valid = np.cumprod(labels >= 0, axis=1).astype(bool)  # the targets before the first -1
    if np.any(labels[valid] >= classes):
        raise IndexError(f"multilabel_margin_loss: a target class is out of range for {classes} classes")
    safe = np.where(valid, labels, 0)
    is_target = np.zeros((batch, classes), dtype=bool)
    is_target[np.repeat(np.arange(batch), classes)[valid.reshape(-1)], labels[valid]] = True
    target_scores = scores[np.arange(batch)[:, None], safe]  # (N, slots)
    hinge = (1 - target_scores.unsqueeze(2) + scores.unsqueeze(1)).clamp(min=0)  # (N, slots, C)
    pairs = (valid[:, :, None] & ~is_target[:, None, :]).astype(_data(input).dtype)
    loss = (hinge * pairs).sum((1, 2)) / classes
    return _reduce(loss[0] if unbatched and reduction == "none" else loss, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with any distance function (pairwise_distance by default)."""
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    distance = pairwise_distance if distance_function is None else distance_function
    distance_positive = distance(anchor, positive)
    distance_negative = distance(anchor, negative)
    if swap:
        distance_negative = elementwise.minimum(distance_negative, distance(positive, negative))
    return _reduce((distance_positive - distance_negative + margin).clamp(min=0), reduction)
