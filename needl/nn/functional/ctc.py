"""ctc_loss: the connectionist temporal classification loss, -log p(target | input), summed over
every alignment of the target with blanks and repeats (Graves et al., 2006).

One op per call: the forward runs the alpha recursion in log space over the time steps,
vectorized over the batch and the extended (blank-interleaved) target; the vjp runs the beta
recursion and turns alpha * beta into the gradient of each log-probability. Under
create_graph the vjp differentiates the same recursion written with needl ops instead, so
second-order gradients work too.

The gradient is the true one with respect to `log_probs`. PyTorch's kernel returns the
gradient with respect to the logits of a log_softmax instead (it adds exp(log_probs)); after
a log_softmax, as CTC is used, both give the same gradient of the logits.
"""
import numpy as np

from ...autograd.function import op
from ...autograd.ops import reduce, shape
from ...autograd.tensor import Tensor
from ._second_order import composed_vjp, is_create_graph

_REACH_NOTHING = -1e30  # a finite log(0) for the recorded form, whose logsumexp gradients stay finite


def _extended(targets, blank):
    """(N, 2S+1) labels with a blank before, between and after the targets, and where a skip over
    a blank is allowed (between two different labels)."""
    batch, length = targets.shape
    labels = np.full((batch, 2 * length + 1), blank, dtype=np.int64)
    labels[:, 1::2] = targets
    skip = np.zeros(labels.shape, dtype=bool)
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    return labels, skip


def _shift(values, by, fill):
    out = np.full_like(values, fill)
    out[:, by:] = values[:, :-by]
    return out


def _alpha(emissions, skip):
    """log alpha (T, N, S'): the log-probability of the prefixes ending at (t, s), emission included."""
    steps = emissions.shape[0]
    alpha = np.full(emissions.shape, -np.inf, dtype=emissions.dtype)
    alpha[0, :, :2] = emissions[0, :, :2]
    with np.errstate(invalid="ignore"):
        for t in range(1, steps):
            previous = alpha[t - 1]
            total = np.logaddexp(previous, _shift(previous, 1, -np.inf))
            total = np.logaddexp(total, np.where(skip, _shift(previous, 2, -np.inf), -np.inf))
            alpha[t] = total + emissions[t]
    return alpha


def _ends(target_lengths, batch):
    rows = np.arange(batch)
    return rows, 2 * target_lengths, np.maximum(2 * target_lengths - 1, 0)


def _log_likelihood(alpha, input_lengths, target_lengths):
    rows, last, before = _ends(target_lengths, alpha.shape[1])
    final = alpha[input_lengths - 1, rows]
    ends = final[np.arange(len(rows)), last]
    previous = np.where(target_lengths > 0, final[np.arange(len(rows)), before], -np.inf)
    return np.logaddexp(ends, previous)


@op
def _ctc_nll(log_probs, targets=None, input_lengths=None, target_lengths=None, blank=0, zero_infinity=False):
    """(N,) negative log-likelihoods of the padded (N, S) targets under the (T, N, C) log_probs."""
    labels, skip = _extended(targets, blank)
    emissions = np.take_along_axis(log_probs, labels[None], axis=2)
    alpha = _alpha(emissions, skip)
    nll = -_log_likelihood(alpha, input_lengths, target_lengths)
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0, nll).astype(log_probs.dtype)
    return nll, alpha


@_ctc_nll.vjp
def _ctc_nll_vjp(grads, outputs, log_probs, **options):
    if is_create_graph(outputs):
        return composed_vjp(_ctc_composed, (log_probs,), (grads[0],), **options)[0]
    return _ctc_gradient(grads[0], outputs, log_probs, **options)


def _ctc_gradient(grad, outputs, log_probs, targets=None, input_lengths=None, target_lengths=None, blank=0,
                  zero_infinity=False):
    nll, alpha = outputs
    steps, batch, classes = log_probs.shape
    labels, skip = _extended(targets, blank)
    emissions = np.take_along_axis(log_probs, labels[None], axis=2)
    rows, last, before = _ends(target_lengths, batch)
    beta = np.full(emissions.shape, -np.inf, dtype=emissions.dtype)
    start = np.full(labels.shape, -np.inf, dtype=emissions.dtype)
    start[rows, last] = 0
    start[rows[target_lengths > 0], before[target_lengths > 0]] = 0
    skip_next = np.zeros_like(skip)
    skip_next[:, :-2] = skip[:, 2:]  # may s jump to s + 2
    later = np.full(labels.shape, -np.inf, dtype=emissions.dtype)
    with np.errstate(invalid="ignore"):
        for t in range(steps - 1, -1, -1):
            total = np.logaddexp(later, _shift_left(later, 1))
            total = np.logaddexp(total, np.where(skip_next, _shift_left(later, 2), -np.inf))
            ending = (input_lengths - 1 == t)[:, None]
            active = (t < input_lengths - 1)[:, None]
            beta[t] = np.where(ending, start, np.where(active, total, -np.inf)) + emissions[t]
            later = beta[t]
        log_likelihood = -nll if not zero_infinity else _log_likelihood(alpha, input_lengths, target_lengths)
        occupancy = np.exp(alpha + beta - emissions - log_likelihood[None, :, None])
    scale = -np.asarray(grad, dtype=log_probs.dtype)
    if zero_infinity:
        scale = np.where(np.isinf(log_likelihood), 0, scale)
    occupancy = np.nan_to_num(occupancy * scale[None, :, None], nan=0.0, posinf=0.0, neginf=0.0)
    flat = (np.arange(steps)[:, None, None] * batch + np.arange(batch)[None, :, None]) * classes + labels[None]
    total = np.bincount(flat.reshape(-1), weights=occupancy.reshape(-1), minlength=steps * batch * classes)
    return total.reshape(log_probs.shape).astype(log_probs.dtype, copy=False)


def _shift_left(values, by):
    out = np.full_like(values, -np.inf)
    out[:, :-by] = values[:, by:]
    return out


def _ctc_composed(log_probs, targets=None, input_lengths=None, target_lengths=None, blank=0, zero_infinity=False):
    """The same negative log-likelihoods from recorded needl ops (for gradients of gradients)."""
    steps, batch, _ = log_probs.shape
    labels, skip = _extended(targets, blank)
    width = labels.shape[1]
    dtype = log_probs.dtype
    nothing = Tensor._make(np.full((batch, width), _REACH_NOTHING, dtype=dtype))
    emissions = shape.gather(log_probs, 2, np.broadcast_to(labels[None], (steps, batch, width)))
    first = np.full((batch, width), _REACH_NOTHING, dtype=dtype)
    first[:, :2] = 0
    alpha = emissions[0] + first
    finals = [alpha]
    pad = Tensor._make(np.full((batch, 2), _REACH_NOTHING, dtype=dtype))
    for t in range(1, steps):
        padded = shape.cat(pad, alpha, dim=1)
        one, two = padded[:, 1:width + 1], padded[:, :width]
        two = np.where(skip, two, nothing)
        alpha = reduce.logsumexp(shape.stack(alpha, one, two, dim=0), dim=0) + emissions[t]
        finals.append(alpha)
    rows, last, before = _ends(target_lengths, batch)
    final = shape.stack(*finals, dim=0)[input_lengths - 1, rows]
    ends = final[np.arange(batch), last]
    previous = np.where(target_lengths > 0, final[np.arange(batch), before],
                        Tensor._make(np.full(batch, _REACH_NOTHING, dtype=dtype)))
    nll = -reduce.logsumexp(shape.stack(ends, previous, dim=0), dim=0)
    if zero_infinity:
        nll = np.where(nll._data > -_REACH_NOTHING / 2, Tensor._make(np.zeros(batch, dtype)), nll)
    return nll, Tensor._make(np.zeros(1, dtype))


def _lengths(name, value, batch):
    lengths = np.asarray(value._data if isinstance(value, Tensor) else value).astype(np.int64).reshape(-1)
    if lengths.shape != (batch,):
        raise ValueError(f"ctc_loss: {name} must have one entry per batch item ({batch}), got {lengths.shape[0]}")
    return lengths


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of log_probs (T, N, C) (log_softmax outputs; or unbatched (T, C)) against targets,
    padded (N, S) or concatenated (sum(target_lengths),), as PyTorch.

    reduction 'mean' divides each loss by its target length, then averages over the batch;
    zero_infinity replaces the infinite losses of impossible alignments (and their gradients) by 0.
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    steps, batch, classes = log_probs.shape
    target_array = np.asarray(targets._data if isinstance(targets, Tensor) else targets).astype(np.int64)
    input_lengths = _lengths("input_lengths", input_lengths, batch)
    target_lengths = _lengths("target_lengths", target_lengths, batch)
    if unbatched and target_array.ndim == 1:
        target_array = target_array[None]
    if target_array.ndim == 1:  # concatenated targets: pad them
        if target_array.size != target_lengths.sum():
            raise ValueError(f"ctc_loss: concatenated targets have {target_array.size} entries, but "
                             f"target_lengths sum to {target_lengths.sum()}")
        padded = np.full((batch, max(int(target_lengths.max(initial=0)), 1)), blank, dtype=np.int64)
        columns = np.arange(padded.shape[1])[None, :] < target_lengths[:, None]
        padded[columns] = target_array
        target_array = padded
    if target_array.ndim != 2 or target_array.shape[0] != batch:
        raise ValueError(f"ctc_loss: targets must be (N, S) or 1-D, got shape {target_array.shape} for batch {batch}")
    if np.any(input_lengths < 1) or np.any(input_lengths > steps):
        raise ValueError(f"ctc_loss: input_lengths must be in [1, {steps}], got {input_lengths.tolist()}")
    if np.any(target_lengths < 0) or np.any(target_lengths > target_array.shape[1]):
        raise ValueError(f"ctc_loss: target_lengths must be in [0, {target_array.shape[1]}], got "
                         f"{target_lengths.tolist()}")
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_loss: blank must be in label range [0, {classes}), got {blank}")
    used = target_array[np.arange(target_array.shape[1])[None, :] < target_lengths[:, None]]
    if used.size and (used.min() < 0 or used.max() >= classes or np.any(used == blank)):
        raise ValueError(f"ctc_loss: targets must be class indices in [0, {classes}) other than blank={blank}")
    target_array = np.where(np.arange(target_array.shape[1])[None, :] < target_lengths[:, None], target_array, blank)
    nll, _ = _ctc_nll(log_probs, targets=target_array, input_lengths=input_lengths, target_lengths=target_lengths,
                      blank=int(blank), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return nll[0] if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    return (nll / np.maximum(target_lengths, 1).astype(log_probs.dtype)).mean()
