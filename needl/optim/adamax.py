"""Adamax: Adam with the infinity norm in place of the second moment (PyTorch's update rule)."""
from typing import Optional, Tuple

import numpy as np

from .adam import check_adam_options
from .optimizer import Optimizer, ParamsT, check_supported
from .running_average import lerp_


class Adamax(Optimizer):
    """m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        check_supported(differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        parameters = self._parameters_with_grad("lr", "betas", "eps", "weight_decay")
        for group, param, grad, (lr, beta1, beta2, eps, weight_decay) in parameters:
            step = self._count_step(param)
            exp_avg = self._state_array(param, "exp_avg")
            exp_inf = self._state_array(param, "exp_inf")
            grad = self._weight_decay(param, grad, weight_decay)
            scratch = lerp_(exp_avg, grad, 1 - beta1)
            np.abs(grad, out=scratch)
            scratch += eps
            exp_inf *= beta2
            np.maximum(exp_inf, scratch, out=exp_inf)
            np.divide(exp_avg, exp_inf, out=scratch)
            scratch *= lr / (1 - beta1 ** step)
            param._data -= scratch
        return loss
