"""Adamax: Adam with the infinity norm in place of the second moment (PyTorch's update rule)."""
from typing import Tuple

import numpy as np

from .adam import check_adam_options
from .elementwise import ElementwiseOptimizer, count_step, state_array, with_weight_decay
from .optimizer import ParamsT, check_supported
from .running_average import lerp_


class Adamax(ElementwiseOptimizer):
    """m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""

    _options = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        check_supported(foreach, None, differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta1, beta2, eps, weight_decay = options
        step = count_step(state)
        exp_avg = state_array(state, "exp_avg", param)
        exp_inf = state_array(state, "exp_inf", param)
        grad = with_weight_decay(param, grad, weight_decay)
        lerp_(exp_avg, grad, 1 - beta1, out=scratch)
        np.abs(grad, out=scratch)
        scratch += eps
        exp_inf *= beta2
        np.maximum(exp_inf, scratch, out=exp_inf)
        np.divide(exp_avg, exp_inf, out=scratch)
        scratch *= lr / (1 - beta1 ** step)
        param -= scratch
