"""The torch.* (top-level) forms of nn functions whose signature differs from nn.functional's:
PyTorch's native argument order (batch_norm's weight first, embedding's weight first), integer
reductions (0 none, 1 mean, 2 sum), `train` for dropout, `cudnn_enabled` flags that mean nothing
on the CPU. Each forwards to the nn.functional function (where the signatures agree, needl/__init__.py
makes the top-level name nn.functional's very function)."""
import warnings

from .dropout import _feature_dropout
from ..functional import (adaptive_max_pool1d as _adaptive_max_pool1d, alpha_dropout as _alpha_dropout,
                          batch_norm as _batch_norm, binary_cross_entropy_with_logits as _bce_with_logits,
                          cosine_embedding_loss as _cosine_embedding_loss, ctc_loss as _ctc_loss,
                          dropout as _dropout, embedding as _embedding,
                          feature_alpha_dropout as _feature_alpha_dropout, group_norm as _group_norm,
                          hinge_embedding_loss as _hinge_embedding_loss, instance_norm as _instance_norm,
                          kl_div as _kl_div, layer_norm as _layer_norm,
                          margin_ranking_loss as _margin_ranking_loss, pad as _pad,
                          poisson_nll_loss as _poisson_nll_loss, triplet_margin_loss as _triplet_margin_loss)

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction) -> str:
    """PyTorch's at::Reduction enum (0, 1, 2) as nn.functional's string; strings pass through."""
    if isinstance(reduction, str):
        return reduction
    if reduction not in (0, 1, 2):
        raise ValueError(f"reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction!r}")
    return _REDUCTIONS[reduction]


def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool = True):
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool = True):
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5, cudnn_enable: bool = True):
    return _layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5, cudnn_enabled: bool = True):
    return _group_norm(input, num_groups, weight, bias, eps)


def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False):
    """weight's rows at indices (PyTorch's native order: weight first; padding_idx -1 is none)."""
    return _embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                      scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def adaptive_max_pool1d(input, output_size):
    """(output, indices), as the native op returns both."""
    return _adaptive_max_pool1d(input, output_size, return_indices=True)


def alpha_dropout(input, p: float, train: bool):
    return _alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p: float, train: bool):
    return _feature_alpha_dropout(input, p, train)


def feature_dropout(input, p: float, train: bool):
    """Zero whole channels (dim 1 of an (N, C, *) input), any rank from 2 up."""
    return _feature_dropout(input, p, train, False, batched=True)


def feature_dropout_(input, p: float, train: bool):
    return _feature_dropout(input, p, train, True, batched=True)


def dropout_(input, p: float, train: bool):
    return _dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p: float, train: bool):
    return _alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p: float, train: bool):
    return _feature_alpha_dropout(input, p, train, inplace=True)


def kl_div(input, target, reduction=1, *, log_target: bool = False):
    """The native op: reduction 1 is the elementwise mean, without nn.functional's 'batchmean' advice."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction=1):
    return _margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction=1):
    return _hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction=1):
    return _cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, reduction=1):
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction):
    return _poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return _bce_with_logits(input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction=1,
             zero_infinity: bool = False):
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction), zero_infinity)


def constant_pad_nd(input, pad, value: float = 0):
    """input padded with value: pad is (left, right) pairs from the last dim backwards, as F.pad."""
    return _pad(input, pad, "constant", value)


__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "embedding", "adaptive_max_pool1d",
           "alpha_dropout", "feature_alpha_dropout", "feature_dropout", "feature_dropout_", "dropout_", "alpha_dropout_", "feature_alpha_dropout_",
           "kl_div", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "binary_cross_entropy_with_logits", "ctc_loss", "constant_pad_nd"]
