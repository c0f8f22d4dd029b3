"""SparseAdam: Adam that updates only the rows a gradient touches (the lazy Adam of embeddings).

needl has no sparse tensors, so SparseAdam takes the dense gradient (an `Embedding(sparse=True)`
gives one) and treats a row (an index of the first dimension) as touched when any of its
gradient is non-zero. Untouched rows keep their values and moments, as in PyTorch; a row that a
sparse PyTorch gradient lists with all-zero values is left alone here (PyTorch decays its
moments), the one difference.
"""
import math
from typing import Tuple

import numpy as np

from .elementwise import ElementwiseOptimizer, count_step, state_array
from .optimizer import ParamsT


class SparseAdam(ElementwiseOptimizer):
    """On the touched rows only: m += (1 - beta1)(g - m), v += (1 - beta2)(g^2 - v),
    p -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps); t counts every step."""

    _options = ("lr", "betas", "eps")
    _elementwise = False  # rows belong to one parameter: never in a bucket

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta1, beta2, eps = options
        step = count_step(state)
        exp_avg = state_array(state, "exp_avg", param)
        exp_avg_sq = state_array(state, "exp_avg_sq", param)
        if grad.size == 0:
            return
        if param.ndim == 0:  # one row
            param, grad, exp_avg, exp_avg_sq = (a.reshape(1) for a in (param, grad, exp_avg, exp_avg_sq))
        touched = grad.reshape(len(grad), -1).any(axis=1)
        rows = np.flatnonzero(touched)
        if rows.size == 0:
            return
        grad = grad[rows]
        old_exp_avg, old_exp_avg_sq = exp_avg[rows], exp_avg_sq[rows]
        exp_avg_update = np.subtract(grad, old_exp_avg)
        exp_avg_update *= 1 - beta1
        exp_avg[rows] = old_exp_avg + exp_avg_update
        exp_avg_sq_update = np.multiply(grad, grad)
        exp_avg_sq_update -= old_exp_avg_sq
        exp_avg_sq_update *= 1 - beta2
        exp_avg_sq[rows] = old_exp_avg_sq + exp_avg_sq_update
        numerator = exp_avg_update
        numerator += old_exp_avg
        denominator = exp_avg_sq_update
        denominator += old_exp_avg_sq
        np.sqrt(denominator, out=denominator)
        denominator += eps
        step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        numerator /= denominator
        numerator *= -step_size
        param[rows] += numerator
