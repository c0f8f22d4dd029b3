"""Rprop: per-weight step sizes grown or shrunk by the sign of successive gradients (PyTorch's rule)."""
from typing import Optional, Tuple

import numpy as np

from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class Rprop(Optimizer):
    """Where g * g_prev > 0 the step size grows by etas[1], where < 0 it shrinks by etas[0] (and
    that gradient is zeroed), clamped to step_sizes; p -= sign(g) * step size."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: Tuple[float, float] = (0.5, 1.2),
                 step_sizes: Tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        parameters = self._parameters_with_grad("etas", "step_sizes")
        for group, param, grad, (eta_minus, eta_plus, step_min, step_max) in parameters:
            self._count_step(param)
            previous = self._state_array(param, "prev")
            step_size = self._state_array(param, "step_size", fill=group["lr"])
            product = np.multiply(grad, previous)
            dtype = param._data.dtype
            factor = np.where(product > 0, dtype.type(eta_plus),
                              np.where(product < 0, dtype.type(eta_minus), dtype.type(1)))
            step_size *= factor
            np.clip(step_size, step_min, step_max, out=step_size)
            grad = np.where(factor == dtype.type(eta_minus), dtype.type(0), grad)
            np.sign(grad, out=product)
            product *= step_size
            param._data -= product
            previous[...] = grad
        return loss
