"""Muon: momentum SGD for 2-D weights whose update is orthogonalised by a Newton-Schulz
iteration (torch.optim.Muon's rule).

PyTorch runs the iteration in bfloat16; NumPy has none, so needl runs it in the parameter's
dtype: the updates agree with PyTorch's to bfloat16 precision (about 1e-2), not bit for bit.
"""
import math
from typing import Optional, Tuple

import numpy as np

from .elementwise import ElementwiseOptimizer, state_array
from .optimizer import ParamsT
from .running_average import lerp_

DEFAULT_COEFFICIENTS = (3.4445, -4.775, 2.0315)


def orthogonalize(matrix: np.ndarray, coefficients: Tuple[float, float, float], steps: int,
                  eps: float) -> np.ndarray:
    """A new array close to U V^T for matrix = U S V^T: `steps` quintic Newton-Schulz iterations
    X <- a X + (b A + c A A) X with A = X X^T, from X = matrix / |matrix|."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if matrix.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = matrix.shape[0] > matrix.shape[1]
    x = matrix.T if tall else matrix
    x = x / max(float(np.linalg.norm(x)), eps)
    for _ in range(steps):
        gram = x @ x.T
        polynomial = gram @ gram
        polynomial *= c
        polynomial += b * gram
        x = polynomial @ x + a * x
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: Optional[str], shape: tuple) -> float:
    """The learning rate scaled for the matrix shape, so updates have a comparable RMS."""
    rows, columns = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / columns))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, columns))
    return lr


class Muon(ElementwiseOptimizer):
    """buf = lerp(buf, g, 1 - momentum); u = lerp(g, buf, momentum) (Nesterov) or buf;
    p *= 1 - lr * weight_decay; p -= adjusted_lr * NewtonSchulz(u). Only for 2-D parameters:
    give biases, norms and embeddings to another optimizer (AdamW)."""

    _options = ("lr", "weight_decay", "momentum", "eps")
    _elementwise = False  # the orthogonalisation is per matrix: never in a bucket

    def __init__(self, params: ParamsT, lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: Tuple[float, float, float] = DEFAULT_COEFFICIENTS,
                 eps: float = 1e-7, ns_steps: int = 5, adjust_lr_fn: Optional[str] = None):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=tuple(ns_coefficients), eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                if param.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {tuple(param.shape)}")

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, weight_decay, momentum, eps = options
        buffer = state_array(state, "momentum_buffer", param)
        lerp_(buffer, grad, 1 - momentum, out=scratch)
        if group["nesterov"]:
            update = np.array(grad, copy=True)
            lerp_(update, buffer, momentum, out=scratch)
        else:
            update = buffer
        coefficients = tuple(float(value) for value in group["ns_coefficients"])
        update = orthogonalize(update, coefficients, int(group["ns_steps"]), eps)
        param *= 1 - lr * weight_decay
        update *= adjusted_lr(lr, group["adjust_lr_fn"], param.shape)
        param -= update
