"""RAdam: Adam with the variance of the adaptive learning rate rectified (PyTorch's update rule)."""
import math
from typing import Tuple

import numpy as np

from .adam import adam_moments, check_adam_options
from .elementwise import ElementwiseOptimizer, count_step, with_weight_decay
from .optimizer import ParamsT, check_supported


class RAdam(ElementwiseOptimizer):
    """Adam's moments; while the variance estimate is unreliable (rho_t <= 5) the step is plain
    momentum, lr * m / (1 - beta1^t); afterwards Adam's step times the rectification term."""

    _options = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        check_supported(foreach, None, differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta1, beta2, eps, weight_decay = options
        step = count_step(state)
        grad = with_weight_decay(param, grad, weight_decay, lr, group["decoupled_weight_decay"])
        exp_avg, exp_avg_sq = adam_moments(param, grad, state, beta1, beta2, scratch)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rectification = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                      / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            np.sqrt(exp_avg_sq, out=scratch)
            scratch += eps
            np.divide(exp_avg, scratch, out=scratch)
            scratch *= lr / bias_correction1 * math.sqrt(bias_correction2) * rectification
        else:
            np.multiply(exp_avg, lr / bias_correction1, out=scratch)
        param -= scratch
