"""Prototypes of fused kernels for files other helpers own (activation.py, loss.py), to measure
what they would gain before they land: GELU in cache-sized blocks, cross-entropy without the
short-row reductions, and the LM head fused with its cross-entropy.

- gelu: x * Phi(x) with Phi(x) = (1 + tanh(Q(x))) / 2, Q the odd polynomial of needl's float32
  erf (erf(x) = tanh(P(x)), within 4 ulps) with the 1/sqrt(2) folded into its coefficients; every
  pass runs on 32768-element blocks (L2-resident) with preallocated scratch, out= everywhere.
- cross_entropy: the softmax shifted by the largest logit of the whole batch (one contiguous
  reduction; rows whose sum of exponentials would underflow fall back to row maxima), row sums as
  BLAS matrix-vector products, the probabilities kept for the backward (no second exp).
- lm_head_cross_entropy(hidden, weight, target): logits = hidden @ weight.T and the mean
  cross-entropy in one node; the backward forms (softmax - one_hot) / N in place and returns
  dhidden = dlogits @ weight, dweight = dlogits.T @ hidden.

`install(needl)` puts the first two in place of needl.nn.functional's (module calls look them up
there at call time). Only float32/float64 inputs, first-order gradients, mean reduction without
weights/ignore_index/label smoothing: enough for the workloads, not a replacement.
Run: python benchmarks/prototypes.py [gpt | kernels:gelu | ...] [--threads N] [--cpu-time]
"""
import math

import numpy as np

from common import Contender, StepWorkload
from variants import Variants

# needl's float32 erf: erf(x) = tanh(x P(x^2)) on [-4, 4] (activation.py's _ERF_ATANH_COEFFICIENTS)
_ERF_ATANH = (1.12837927e+00, 1.02769055e-01, -1.91826825e-04, -6.19789735e-04, 8.76399547e-05,
              -5.66904565e-06, 1.41894882e-07)
# Phi(x) = (1 + erf(x / sqrt 2)) / 2 = (1 + tanh(x Q(x^2))) / 2 with Q's coefficients c_k / sqrt(2)^(2k+1)
_PHI_ATANH = np.array([c * math.sqrt(0.5) ** (2 * k + 1) for k, c in enumerate(_ERF_ATANH)], np.float32)
_PHI_LIMIT = np.float32(4.0 * math.sqrt(2.0))  # the fit's range; Phi rounds to 0 or 1 beyond it
_BLOCK = 32768
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SMALLEST_ROW_SUM = math.exp(-60.0)


def _blocks(size):
    return ((start, min(start + _BLOCK, size)) for start in range(0, size, _BLOCK))


def gelu_forward(x):
    """(x * Phi(x), Phi(x)) for a float32 array, in L2-sized blocks."""
    flat = x.reshape(-1)
    output, cdf = np.empty_like(flat), np.empty_like(flat)
    clipped, square, poly = (np.empty(min(_BLOCK, flat.size), flat.dtype) for _ in range(3))
    for start, stop in _blocks(flat.size):
        n = stop - start
        c, s, p = clipped[:n], square[:n], poly[:n]
        np.clip(flat[start:stop], -_PHI_LIMIT, _PHI_LIMIT, out=c)
        np.multiply(c, c, out=s)
        np.multiply(s, _PHI_ATANH[-1], out=p)
        for coefficient in _PHI_ATANH[-2:0:-1]:
            p += coefficient
            p *= s
        p += _PHI_ATANH[0]
        p *= c
        np.tanh(p, out=p)
        phi = cdf[start:stop]
        np.multiply(p, 0.5, out=phi)
        phi += 0.5
        np.multiply(flat[start:stop], phi, out=output[start:stop])
    return output.reshape(x.shape), cdf.reshape(x.shape)


def gelu_backward(g, x, cdf):
    """g * (Phi(x) + x phi(x)), in blocks."""
    flat, grad, cdf = x.reshape(-1), np.ascontiguousarray(g).reshape(-1), cdf.reshape(-1)
    result = np.empty_like(flat)
    scratch = np.empty(min(_BLOCK, flat.size), flat.dtype)
    for start, stop in _blocks(flat.size):
        s, xb = scratch[:stop - start], flat[start:stop]
        np.multiply(xb, xb, out=s)
        s *= -0.5
        np.exp(s, out=s)
        s *= xb
        s *= _INV_SQRT_2PI
        s += cdf[start:stop]
        np.multiply(s, grad[start:stop], out=result[start:stop])
    return result.reshape(x.shape)


def _softmax_rows(logits):
    """(exp(logits - shift), row sums, shift per row): shifted by the largest logit of the batch,
    or by each row's maximum if a row's sum would underflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        for shift in (logits.max(), None):
            if shift is None:
                shift = logits.max(axis=1)
            exponentials = np.subtract(logits, shift if np.ndim(shift) == 0 else shift[:, None])
            np.exp(exponentials, out=exponentials)
            sums = np.matmul(exponentials, np.ones(logits.shape[1], logits.dtype))
            if (sums >= _SMALLEST_ROW_SUM).all():
                break
    return exponentials, sums, np.broadcast_to(shift, sums.shape)


def _mean_loss(logits, target, sums, shift):
    """mean over rows of log(sum exp(x - shift)) - (x_target - shift)."""
    rows = np.arange(len(target))
    return np.asarray((np.log(sums).sum() - (logits[rows, target] - shift).sum()) / len(target), logits.dtype)


def cross_entropy_forward(logits, target):
    """(mean loss, probabilities)."""
    probabilities, sums, shift = _softmax_rows(logits)
    loss = _mean_loss(logits, target, sums, shift)
    probabilities *= np.reciprocal(sums)[:, None]
    return loss, probabilities


def cross_entropy_backward(g, probabilities, target):
    """(softmax - one_hot) * g / N."""
    grad = probabilities.copy()
    grad[np.arange(len(target)), target] -= 1
    grad *= g / len(target)
    return grad


def install(needl):
    """Replace needl.nn.functional.gelu and cross_entropy (for the cases they cover) by the prototypes."""
    from needl.autograd import op
    F = needl.nn.functional
    original_gelu, original_cross_entropy = F.gelu, F.cross_entropy

    @op
    def _gelu(x):
        return gelu_forward(x)

    @_gelu.vjp
    def _gelu_vjp(grads, outputs, x):
        return gelu_backward(grads[0], x, outputs[1])

    @op
    def _cross_entropy(logits, target):
        return cross_entropy_forward(logits, target)

    @_cross_entropy.vjp
    def _cross_entropy_vjp(grads, outputs, logits, target):
        return cross_entropy_backward(grads[0], outputs[1], target), None

    def gelu(input, approximate="none"):
        if approximate != "none" or input.dtype != np.float32:
            return original_gelu(input, approximate=approximate)
        return _gelu(input)[0]

    def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                      reduction="mean", label_smoothing=0.0):
        target_data = target.numpy()
        if (weight is not None or reduction != "mean" or label_smoothing or input.ndim != 2
                or target_data.dtype.kind not in "iu" or (target_data == ignore_index).any()):
            return original_cross_entropy(input, target, weight, size_average, ignore_index, reduce, reduction,
                                          label_smoothing)
        return _cross_entropy(input, target_data)[0]

    F.gelu, F.cross_entropy = gelu, cross_entropy
    return needl


def lm_head_cross_entropy_op(needl):
    """The fused LM head + cross-entropy as a needl op: (hidden (N, E), weight (V, E), target (N,))."""
    from needl.autograd import op

    @op
    def lm_head_cross_entropy(hidden, weight, target):
        logits = hidden @ weight.T
        probabilities, sums, shift = _softmax_rows(logits)
        loss = _mean_loss(logits, target, sums, shift)
        probabilities *= np.reciprocal(sums)[:, None]
        return loss, probabilities

    @lm_head_cross_entropy.vjp
    def lm_head_cross_entropy_vjp(grads, outputs, hidden, weight, target):
        grad_logits = cross_entropy_backward(grads[0], outputs[1], target)
        return grad_logits @ weight, grad_logits.T @ hidden, None

    return lm_head_cross_entropy


# ---- workloads -------------------------------------------------------------------------------

def lm_head_case(library, fused=False):
    """GPT's LM head and loss: (2048, 128) hidden states, a (65, 128) tied weight, 2048 targets."""
    rng = np.random.default_rng(0)
    hidden = library.tensor(rng.standard_normal((2048, 128), dtype=np.float32), requires_grad=True)
    weight = library.tensor(rng.standard_normal((65, 128), dtype=np.float32) * np.float32(0.02),
                            requires_grad=True)
    target = rng.integers(0, 65, 2048)
    if fused:
        function = lm_head_cross_entropy_op(library)
        loss_of = lambda: function(hidden, weight, target)[0]  # noqa: E731
    else:
        target_tensor = library.from_numpy(target)
        loss_of = lambda: library.nn.functional.cross_entropy(  # noqa: E731
            library.nn.functional.linear(hidden, weight), target_tensor)

    def step():
        hidden.grad = weight.grad = None
        loss = loss_of()
        loss.backward()
        return float(loss)
    return step, lambda: (float(hidden.grad.abs().sum()), float(weight.grad.abs().sum()))


WORKLOADS = Variants("prototypes", {"needl, prototypes": (install,)}, lm_head=StepWorkload(
    label="LM head + cross_entropy (2048 x 128 -> 65) fwd+bwd",
    title="GPT's LM head (linear 128 -> 65) + cross-entropy over 2048 positions: forward + backward",
    contenders={"needl": Contender("needl", lm_head_case),
                "needl, prototypes": Contender("needl", lambda library: lm_head_case(install(library))),
                "needl, fused": Contender("needl", lambda library: lm_head_case(library, fused=True)),
                "pytorch": Contender("torch", lm_head_case)},
    rounds=9, repeat=20, tolerance=1e-4,
    targets=(("needl", "pytorch", ""), ("needl, prototypes", "pytorch", ""), ("needl, fused", "pytorch", ""))))


if __name__ == "__main__":
    WORKLOADS.main(__doc__)
