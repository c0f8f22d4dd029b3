"""Rprop: per-weight step sizes grown or shrunk by the sign of successive gradients (PyTorch's rule)."""
from typing import Tuple

import numpy as np

from .elementwise import ElementwiseOptimizer, count_step, state_array
from .optimizer import ParamsT, check_non_negative, check_supported


class Rprop(ElementwiseOptimizer):
    """Where g * g_prev > 0 the step size grows by etas[1], where < 0 it shrinks by etas[0] (and
    that gradient is zeroed), clamped to step_sizes; p -= sign(g) * step size."""

    _options = ("etas", "step_sizes")

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: Tuple[float, float] = (0.5, 1.2),
                 step_sizes: Tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False):
        check_supported(foreach, None, differentiable)
        check_non_negative("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        eta_minus, eta_plus, step_min, step_max = options
        count_step(state)
        previous = state_array(state, "prev", param)
        step_size = state_array(state, "step_size", param, fill=group["lr"])
        product = np.multiply(grad, previous, out=scratch)
        kind = param.dtype.type
        factor = np.where(product > 0, kind(eta_plus),
                          np.where(product < 0, kind(eta_minus), kind(1)))
        step_size *= factor
        np.clip(step_size, step_min, step_max, out=step_size)
        grad = np.where(factor == kind(eta_minus), kind(0), grad)
        np.sign(grad, out=scratch)
        scratch *= step_size
        param -= scratch
        previous[...] = grad
