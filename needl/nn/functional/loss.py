"""Losses, each one tape node (reduction included) with its gradient written by hand.

cross_entropy works in the log-sum-exp form: the forward keeps only the maximum and the sum of
exp(x - max) per row, and the gradient (softmax - onehot) * scale is built without a one-hot matrix.
"""
import warnings

import numpy as np

from ...autograd import op
from ...autograd.ops import elementwise, reduce
from ...autograd.tensor import Tensor
from .activation import _softplus

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """Map PyTorch's deprecated size_average/reduce arguments to `reduction`."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction (expected one of {', '.join(allowed)})")


def _reduced(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.mean())


def _upstream(grad_output, reduction: str, count: int):
    """The gradient reaching each element of the unreduced loss (it broadcasts against it)."""
    if reduction == "mean":
        return grad_output / max(count, 1) if count else grad_output * np.nan
    return grad_output


def _data(value):
    return value._data if isinstance(value, Tensor) else value


def _count(*values) -> int:
    """Number of elements of the broadcast of the values (arrays or Tensors)."""
    return int(np.prod(np.broadcast_shapes(*(np.shape(_data(v)) for v in values)), dtype=np.int64))


def _like(value, input):
    """value in input's floating dtype (so a float64 or integer target does not upcast a float32 loss)."""
    if value is None:
        return None
    dtype = _data(input).dtype
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else value.astype(dtype)
    value = np.asarray(value)
    return value if value.dtype == dtype else value.astype(dtype)


# The vjps below are written with operators, ops and masks computed on the raw data, so that under
# backward(create_graph=True), when they receive Tensors, they record a differentiable graph.

def _check_same_shape(name: str, input, target) -> None:
    input_shape, target_shape = np.shape(_data(input)), np.shape(_data(target))
    if input_shape != target_shape:
        try:
            np.broadcast_shapes(input_shape, target_shape)
        except ValueError:
            raise ValueError(f"{name}: target shape {target_shape} does not match (nor broadcast to) "
                             f"input shape {input_shape}") from None
        warnings.warn(f"{name}: using a target size ({target_shape}) that is different to the input "
                      f"size ({input_shape}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)


# ---- regression losses -------------------------------------------------------------------
@op
def _mse(input, target, reduction="mean"):
    difference = input - target
    return _reduced(difference * difference, reduction)


@_mse.vjp
def _mse_vjp(g, out, input, target, reduction="mean"):
    grad = (input - target) * (_upstream(g, reduction, _count(input, target)) * 2)
    return grad, -grad


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or none) of (input - target)^2."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_same_shape("mse_loss", input, target)
    return _mse(input, _like(target, input), reduction=reduction)


@op
def _l1(input, target, reduction="mean"):
    return _reduced(np.abs(input - target), reduction)


@_l1.vjp
def _l1_vjp(g, out, input, target, reduction="mean"):
    grad = np.sign(_data(input) - _data(target)) * _upstream(g, reduction, _count(input, target))
    return grad, -grad


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or none) of |input - target|."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_same_shape("l1_loss", input, target)
    return _l1(input, _like(target, input), reduction=reduction)


@op
def _smooth_l1(input, target, reduction="mean", beta=1.0, scale=1.0):
    difference = np.abs(input - target)
    if beta == 0:
        loss = difference
    else:
        loss = np.where(difference < beta, difference * difference * (0.5 / beta), difference - 0.5 * beta)
    return _reduced(loss * scale if scale != 1.0 else loss, reduction)


@_smooth_l1.vjp
def _smooth_l1_vjp(g, out, input, target, reduction="mean", beta=1.0, scale=1.0):
    difference = input - target
    raw = _data(difference)
    if beta == 0:
        local = np.sign(raw)
    else:
        local = elementwise.where(np.abs(raw) < beta, difference * (1.0 / beta), np.sign(raw))
    grad = local * (_upstream(g, reduction, _count(input, target)) * scale)
    return grad, -grad


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - beta / 2 elsewhere (d = input - target)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    _check_same_shape("smooth_l1_loss", input, target)
    return _smooth_l1(input, _like(target, input), reduction=reduction, beta=float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """0.5 d^2 where |d| <= delta, delta * (|d| - delta / 2) elsewhere: delta * smooth_l1(beta=delta)."""
    _check_reduction(reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got {delta}")
    _check_same_shape("huber_loss", input, target)
    return _smooth_l1(input, _like(target, input), reduction=reduction, beta=float(delta), scale=float(delta))


# ---- binary classification -----------------------------------------------------------------
def _clamped_logs(input):
    """log(x) and log(1 - x), clamped at -100 as PyTorch does (so x = 0 or 1 gives finite values)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(input), -100.0), np.maximum(np.log1p(-input), -100.0)


@op
def _binary_cross_entropy(input, target, weight, reduction="mean"):
    log_input, log_complement = _clamped_logs(input)
    loss = -(target * log_input + (1 - target) * log_complement)
    if weight is not None:
        loss = loss * weight
    return _reduced(loss, reduction)


@_binary_cross_entropy.vjp
def _binary_cross_entropy_vjp(g, out, input, target, weight, reduction="mean", needs_input_grad=None):
    scale = _upstream(g, reduction, _count(input, target))
    if weight is not None:
        scale = scale * weight
    grad_input = grad_target = None
    if needs_input_grad[0]:
        grad_input = (input - target) / np.maximum((1 - input) * input, 1e-12) * scale
    if needs_input_grad[1]:
        log_input, log_complement = _clamped_logs(input)
        grad_target = (log_complement - log_input) * scale
    return grad_input, grad_target, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1]."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if np.shape(_data(input)) != np.shape(_data(target)):
        raise ValueError(f"Using a target size ({tuple(np.shape(_data(target)))}) that is different to the "
                         f"input size ({tuple(np.shape(_data(input)))}) is deprecated. Please ensure they "
                         f"have the same size.")
    # written as "not inside" so that NaN fails the check too, as in PyTorch
    if not np.all((_data(input) >= 0) & (_data(input) <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1 "
                           "(binary_cross_entropy takes probabilities; use binary_cross_entropy_with_logits for logits)")
    if not np.all((_data(target) >= 0) & (_data(target) <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1 (binary_cross_entropy)")
    return _binary_cross_entropy(input, _like(target, input), _like(weight, input), reduction=reduction)


def _softplus_negative(input):
    """log(1 + exp(-x)), stable; recorded when x is a Tensor (create_graph)."""
    if isinstance(input, Tensor):
        return _softplus(-input, threshold=np.inf)
    return np.logaddexp(0, -input)


@op
def _bce_with_logits(input, target, weight, pos_weight, reduction="mean"):
    softplus_negative = _softplus_negative(input)
    if pos_weight is None:
        loss = (1 - target) * input + softplus_negative
    else:
        loss = (1 - target) * input + ((pos_weight - 1) * target + 1) * softplus_negative
    if weight is not None:
        loss = loss * weight
    return _reduced(loss, reduction)


@_bce_with_logits.vjp
def _bce_with_logits_vjp(g, out, input, target, weight, pos_weight, reduction="mean", needs_input_grad=None):
    scale = _upstream(g, reduction, _count(input, target))
    if weight is not None:
        scale = scale * weight
    # sigmoid(-x) = 1 - sigmoid(x), via tanh so it never overflows
    sigmoid_negative = 0.5 - 0.5 * np.tanh(input * 0.5)
    grad_input = grad_target = grad_pos_weight = None
    if needs_input_grad[0]:
        if pos_weight is None:
            grad_input = ((1 - target) - sigmoid_negative) * scale
        else:
            grad_input = ((1 - target) - ((pos_weight - 1) * target + 1) * sigmoid_negative) * scale
    if needs_input_grad[1]:
        local = -input if pos_weight is None else -input + (pos_weight - 1) * _softplus_negative(input)
        grad_target = local * scale
    if needs_input_grad[3]:
        grad_pos_weight = target * _softplus_negative(input) * scale
    return grad_input, grad_target, None, grad_pos_weight


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step; pos_weight weighs the positive term."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if np.shape(_data(input)) != np.shape(_data(target)):
        raise ValueError(f"Target size ({tuple(np.shape(_data(target)))}) must be the same as input size "
                         f"({tuple(np.shape(_data(input)))})")
    return _bce_with_logits(input, _like(target, input), _like(weight, input), _like(pos_weight, input),
                            reduction=reduction)


# ---- distributions -------------------------------------------------------------------------
@op
def _kl_div(input, target, reduction="mean", log_target=False):
    if log_target:
        loss = np.exp(target) * (target - input)
    else:
        positive = target > 0
        loss = np.where(positive, target * (np.log(np.where(positive, target, 1)) - input), 0 * input)
    if reduction == "batchmean":
        return np.asarray(loss.sum() / (input.shape[0] if input.ndim else 1))
    return _reduced(loss, reduction)


@_kl_div.vjp
def _kl_div_vjp(g, out, input, target, reduction="mean", log_target=False, needs_input_grad=None):
    if reduction == "batchmean":
        scale = g / (input.shape[0] if input.ndim else 1)
    else:
        scale = _upstream(g, reduction, _count(input, target))
    grad_input = grad_target = None
    if log_target:
        probability = np.exp(target)
        if needs_input_grad[0]:
            grad_input = -probability * scale
        if needs_input_grad[1]:
            grad_target = probability * (target - input + 1) * scale
    else:
        if needs_input_grad[0]:
            grad_input = -target * scale
        if needs_input_grad[1]:
            positive = _data(target) > 0
            grad_target = np.where(positive, np.log(np.where(positive, target, 1)) + 1 - input, 0) * scale
    return grad_input, grad_target


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise: target * (log target - input); input holds log-probabilities."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                      "size. 'batchmean' divides only by the batch size, and aligns with the KL div math "
                      "definition.", stacklevel=2)
    return _kl_div(input, _like(target, input), reduction=reduction, log_target=log_target)


# ---- classification ------------------------------------------------------------------------
def _class_layout(input, target, ignore_index, name):
    """Check an (N, C, d1...) or (C,) input against class-index targets; returns the class axis and C."""
    input_shape = tuple(input.shape)
    if len(input_shape) == 0:
        raise ValueError(f"{name}: input must have at least one dimension (the classes), got a 0-d tensor")
    axis = 1 if len(input_shape) >= 2 else 0
    classes = input_shape[axis]
    expected = input_shape[:axis] + input_shape[axis + 1:]
    target_data = _data(target)
    if target_data.dtype.kind == "f":
        raise TypeError(f"{name}: expected class indices of an integer dtype (int64) as target, got a "
                        f"{target_data.dtype} target of shape {tuple(target_data.shape)}; class labels must be "
                        f"integers (use target.long()), or give class probabilities of the input's shape "
                        f"{input_shape}")
    if target_data.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected class indices of an integer dtype (int64) as target, got {target_data.dtype}")
    if tuple(target_data.shape) != expected:
        raise ValueError(f"{name}: expected target of shape {expected} for input of shape {input_shape}, "
                         f"got target of shape {tuple(target_data.shape)}")
    valid = target_data != ignore_index
    chosen = target_data[valid]
    if chosen.size and (chosen.min() < 0 or chosen.max() >= classes):
        bad = chosen[(chosen < 0) | (chosen >= classes)][0]
        raise IndexError(f"{name}: Target {bad} is out of bounds: expected class indices in [0, {classes - 1}] "
                         f"for {classes} classes (or ignore_index={ignore_index})")
    return axis, classes


def _check_weight(weight, classes, name):
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ValueError(f"{name}: weight should be a 1-D tensor of size {classes} (one per class), "
                         f"got shape {tuple(weight.shape)}")


def _hard_label_terms(target, weight, ignore_index, dtype):
    """Per-element (safe target, weight of each element's class with ignored ones 0, denominator)."""
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    if weight is None:
        element_weight = valid.astype(dtype)
        denominator = int(np.count_nonzero(valid))
    else:
        element_weight = np.where(valid, weight.astype(dtype, copy=False)[safe], 0).astype(dtype, copy=False)
        denominator = element_weight.sum()
    return valid, safe, element_weight, denominator


def _sum_along(array, axis):
    """array.sum(axis, keepdims=True); along the rows of a C-contiguous matrix as a BLAS
    matrix-vector product (several times faster than NumPy's reduction along short rows)."""
    if array.ndim == 2 and axis == 1 and array.flags.c_contiguous and array.dtype.kind == "f":
        return np.matmul(array, np.ones(array.shape[1], array.dtype))[:, None]
    return array.sum(axis=axis, keepdims=True)


def _exp_shifted(input, axis):
    """(peak, exp(input - peak), its sum) along axis (keepdims): the softmax's parts, peak the
    maximum (0 where that is not finite)."""
    peak = input.max(axis=axis, keepdims=True)
    if not np.isfinite(peak).all():
        peak = np.where(np.isfinite(peak), peak, 0)
    exponentials = np.subtract(input, peak)
    np.exp(exponentials, out=exponentials)  # in place: one full-size array only
    return peak, exponentials, _sum_along(exponentials, axis)


def _log_sum_exp_parts(input, axis):
    """(peak, log sum exp(input - peak)) along axis (keepdims): logsumexp's two parts kept apart,
    so that (input - peak) - log_sum is exact at logits of 1e4 in float32 (their sum rounds)."""
    peak, _, sum_exp = _exp_shifted(input, axis)
    return peak, np.log(sum_exp)


def _log_probabilities(input, axis):
    peak, log_sum = _log_sum_exp_parts(input, axis)
    shifted = input - peak
    shifted -= log_sum
    return shifted


def _mean_coefficient(g, denominator):
    """g / the total weight of a 'mean' loss; 0 when every target is ignored (PyTorch's zero gradient)."""
    return g / denominator if denominator else g * 0


def _unsqueeze(array, axis):
    """array with a length-1 axis inserted at `axis` (a cheap reshape, unlike np.expand_dims)."""
    return array.reshape(array.shape[:axis] + (1,) + array.shape[axis:])


def _at_targets(safe, axis):
    """The index tuple that picks each element's target class along `axis` (fancy indexing)."""
    if axis == 0:
        return (safe,)
    if safe.ndim == 1:  # the common (N, C) case
        return (np.arange(safe.shape[0]), safe)
    grid = np.ogrid[tuple(slice(size) for size in safe.shape)]
    return (grid[0], safe, *grid[1:])


@op
def _cross_entropy_indices(input, target, weight, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    axis = 1 if input.ndim >= 2 else 0
    classes = input.shape[axis]
    peak, exponentials, sum_exp = _exp_shifted(input, axis)
    log_sum = np.log(sum_exp)
    valid, safe, element_weight, denominator = _hard_label_terms(target, weight, ignore_index, input.dtype)
    targets = _at_targets(safe, axis)
    loss = (log_sum.reshape(safe.shape) - (input[targets] - peak.reshape(safe.shape))) * element_weight
    if label_smoothing > 0:
        # -sum_c w_c log p_c = W * log_sum - sum_c w_c (x_c - peak)
        if weight is None:
            smooth = classes * log_sum - np.sum(input - peak, axis=axis, keepdims=True)
        else:
            class_weight = weight.astype(input.dtype, copy=False).reshape((-1,) + (1,) * (input.ndim - axis - 1))
            smooth = weight.sum(dtype=input.dtype) * log_sum - np.sum((input - peak) * class_weight, axis=axis,
                                                                       keepdims=True)
        smooth = np.where(valid, np.squeeze(smooth, axis), 0)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)
    if reduction == "none":
        result = loss
    elif reduction == "sum":
        result = np.asarray(loss.sum())
    else:
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch, silently
            result = np.asarray(loss.sum() / denominator)
    # the vjp recomputes exp(input - peak): keeping it would hold a full-size array until then
    return result.astype(input.dtype, copy=False), peak, sum_exp


def _one_hot_along(safe, classes, axis, dtype):
    """A dense one-hot array with the classes on `axis` (used only when recording a graph)."""
    one_hot = np.zeros(safe.shape[:axis] + (classes,) + safe.shape[axis:], dtype)
    np.put_along_axis(one_hot, np.expand_dims(safe, axis), 1, axis)
    return one_hot


def _class_weight(weight, ndim, axis, dtype):
    """The (C,) weight shaped to broadcast along the class axis of an ndim input."""
    return _data(weight).astype(dtype, copy=False).reshape((-1,) + (1,) * (ndim - axis - 1))


def _cross_entropy_indices_recorded(g, input, target, weight, ignore_index, reduction, label_smoothing):
    """The hard-label gradient from ops, so that backward(create_graph=True) can differentiate it again."""
    axis = 1 if input.ndim >= 2 else 0
    classes = input.shape[axis]
    dtype = input.dtype
    weight_data = None if weight is None else _data(weight)
    valid, safe, element_weight, denominator = _hard_label_terms(_data(target), weight_data, ignore_index, dtype)
    coefficient = _mean_coefficient(g, denominator) if reduction == "mean" else g
    if reduction == "none":
        coefficient = coefficient.unsqueeze(axis)
    probabilities = reduce.softmax(input, dim=axis)
    hard = np.expand_dims(element_weight, axis) * (1.0 - label_smoothing)
    grad = (probabilities - _one_hot_along(safe, classes, axis, dtype)) * hard
    if label_smoothing > 0:
        smooth = np.expand_dims(valid.astype(dtype), axis) * (label_smoothing / classes)
        if weight is None:
            grad = grad + (probabilities * classes - 1.0) * smooth
        else:
            class_weight = _class_weight(weight, input.ndim, axis, dtype)
            grad = grad + (probabilities * float(class_weight.sum()) - class_weight) * smooth
    return grad * coefficient, None, None


@_cross_entropy_indices.vjp
def _cross_entropy_indices_vjp(grads, outputs, input, target, weight, ignore_index=-100, reduction="mean",
                               label_smoothing=0.0):
    g = grads[0]
    if isinstance(g, Tensor):
        return _cross_entropy_indices_recorded(g, input, target, weight, ignore_index, reduction, label_smoothing)
    _, peak, sum_exp = outputs
    axis = 1 if input.ndim >= 2 else 0
    classes = input.shape[axis]
    valid, safe, element_weight, denominator = _hard_label_terms(target, weight, ignore_index, input.dtype)
    coefficient = _mean_coefficient(g, denominator) if reduction == "mean" else g
    hard = element_weight * (coefficient * (1.0 - label_smoothing))
    # grad = softmax * (hard + smooth * total weight) - smooth * class weight - hard * onehot
    if label_smoothing > 0:
        smooth = valid * (coefficient * (label_smoothing / classes))
        total = classes if weight is None else weight.sum(dtype=input.dtype)
        row_scale = hard + smooth * total
    else:
        row_scale = hard
    row_scale = _unsqueeze(row_scale.astype(input.dtype, copy=False), axis)
    grad = np.subtract(input, peak)
    np.exp(grad, out=grad)
    grad *= row_scale / sum_exp  # the softmax times the row's scale
    if label_smoothing > 0:
        if weight is None:
            grad -= _unsqueeze(smooth, axis)
        else:
            class_weight = weight.astype(input.dtype, copy=False).reshape((-1,) + (1,) * (input.ndim - axis - 1))
            grad -= _unsqueeze(smooth, axis) * class_weight
    # subtract the one-hot part at each element's target class, without a one-hot matrix
    # (each element has one target, so the fancy-indexed update has no repeated index)
    grad[_at_targets(safe, axis)] -= hard
    return grad, None, None


@op
def _cross_entropy_probabilities(input, target, weight, reduction="mean", label_smoothing=0.0):
    axis = 1 if input.ndim >= 2 else 0
    classes = input.shape[axis]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    log_probabilities = _log_probabilities(input, axis)
    if weight is not None:
        target = target * weight.reshape((-1,) + (1,) * (input.ndim - axis - 1))
    loss = -np.sum(log_probabilities * target, axis=axis)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.sum() / max(loss.size, 1) if loss.size else loss.sum() * np.nan)


@_cross_entropy_probabilities.vjp
def _cross_entropy_probabilities_vjp(g, out, input, target, weight, reduction="mean", label_smoothing=0.0,
                                     needs_input_grad=None):
    axis = 1 if input.ndim >= 2 else 0
    classes = input.shape[axis]
    count = _count(input) // classes if classes else 0
    coefficient = np.expand_dims(g, axis) if reduction == "none" else _upstream(g, reduction, count)
    class_weight = None if weight is None else _class_weight(weight, input.ndim, axis, input.dtype)
    smoothed = target * (1.0 - label_smoothing) + label_smoothing / classes if label_smoothing > 0 else target
    weighted = smoothed if class_weight is None else smoothed * class_weight
    if isinstance(g, Tensor):  # recording a graph (create_graph=True)
        log_probabilities = reduce.log_softmax(input, dim=axis)
    else:
        log_probabilities = _log_probabilities(input, axis)
    grad_input = grad_target = None
    if needs_input_grad[0]:
        probabilities = np.exp(log_probabilities)
        grad_input = (probabilities * np.sum(weighted, axis=axis, keepdims=True) - weighted) * coefficient
    if needs_input_grad[1]:
        local = -log_probabilities if class_weight is None else -log_probabilities * class_weight
        grad_target = local * ((1.0 - label_smoothing) * coefficient)
    return grad_input, grad_target, None


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax + nll_loss as one node. input (N, C, d1...) or (C,) logits; target class indices
    (N, d1...) of an integer dtype, or class probabilities of the input's shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    input_shape = tuple(input.shape)
    target_data = _data(target)
    if target_data.dtype.kind == "f" and tuple(target_data.shape) == input_shape and len(input_shape) > 0:
        if input.dtype != target_data.dtype:
            raise TypeError(f"cross_entropy: class-probability target of dtype {target_data.dtype} does not "
                            f"match the input's dtype {input.dtype}")
        classes = input_shape[1 if len(input_shape) >= 2 else 0]
        _check_weight(weight, classes, "cross_entropy")
        return _cross_entropy_probabilities(input, target, _like(weight, input), reduction=reduction,
                                            label_smoothing=float(label_smoothing))
    axis, classes = _class_layout(input, target, ignore_index, "cross_entropy")
    _check_weight(weight, classes, "cross_entropy")
    return _cross_entropy_indices(input, target, _like(weight, input), ignore_index=int(ignore_index),
                                  reduction=reduction, label_smoothing=float(label_smoothing))[0]


@op
def _nll(input, target, weight, ignore_index=-100, reduction="mean"):
    axis = 1 if input.ndim >= 2 else 0
    valid, safe, element_weight, denominator = _hard_label_terms(target, weight, ignore_index, input.dtype)
    loss = -input[_at_targets(safe, axis)] * element_weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch, silently
        return np.asarray(loss.sum() / denominator).astype(input.dtype, copy=False)


@_nll.vjp
def _nll_vjp(g, out, input, target, weight, ignore_index=-100, reduction="mean"):
    axis = 1 if input.ndim >= 2 else 0
    if isinstance(g, Tensor):  # recording a graph (create_graph=True): a dense one-hot times g
        valid, safe, element_weight, denominator = _hard_label_terms(
            _data(target), None if weight is None else _data(weight), ignore_index, input.dtype)
        coefficient = _mean_coefficient(g, denominator) if reduction == "mean" else g
        if reduction == "none":
            coefficient = coefficient.unsqueeze(axis)
        local = _one_hot_along(safe, input.shape[axis], axis, input.dtype) * np.expand_dims(-element_weight, axis)
        return local * coefficient, None, None
    valid, safe, element_weight, denominator = _hard_label_terms(target, weight, ignore_index, input.dtype)
    coefficient = _mean_coefficient(g, denominator) if reduction == "mean" else g
    grad = np.zeros(input.shape, dtype=input.dtype)
    grad[_at_targets(safe, axis)] = -element_weight * coefficient
    return grad, None, None


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] * weight[target[n]], averaged over the weights of the non-ignored targets."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    axis, classes = _class_layout(input, target, ignore_index, "nll_loss")
    _check_weight(weight, classes, "nll_loss")
    return _nll(input, target, _like(weight, input), ignore_index=int(ignore_index), reduction=reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape (*, num_classes) with a 1 at each index (num_classes=-1: max + 1)."""
    indices = _data(tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensor (an integer dtype), got {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes - 1}], got values in "
                           f"[{indices.min()}, {indices.max()}]")
    result = np.zeros(indices.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(result, indices[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._make(result)
