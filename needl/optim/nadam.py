"""NAdam: Adam with Nesterov momentum and momentum decay (PyTorch's update rule)."""
from typing import Tuple

import numpy as np

from ..autograd import dtypes
from .adam import adam_moments, check_adam_options
from .elementwise import ElementwiseOptimizer, count_step, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported


class NAdam(ElementwiseOptimizer):
    """mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)); with Adam's m and v,
    p -= lr [(1 - mu_t) / (1 - prod mu) g + mu_{t+1} / (1 - prod mu * mu_{t+1}) m] / (sqrt(v / (1 - beta2^t)) + eps).
    """

    _options = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _scalar_state = ("step", "mu_product")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        check_supported(foreach, None, differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        check_non_negative("momentum_decay value", momentum_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta1, beta2, eps, weight_decay, momentum_decay = options
        scalar = dtypes.get_default_dtype().type  # PyTorch keeps mu_product in this precision
        step = count_step(state)
        grad = with_weight_decay(param, grad, weight_decay, lr, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = state["mu_product"] = float(scalar(state.get("mu_product", 1.0)) * scalar(mu))
        exp_avg, exp_avg_sq = adam_moments(param, grad, state, beta1, beta2, scratch)
        denominator = np.divide(exp_avg_sq, 1 - beta2 ** step, out=scratch)
        np.sqrt(denominator, out=denominator)
        denominator += eps
        update = np.divide(grad, denominator, out=np.empty_like(param))
        update *= lr * (1.0 - mu) / (1.0 - mu_product)
        param -= update
        np.divide(exp_avg, denominator, out=update)
        update *= lr * mu_next / (1.0 - mu_product * mu_next)
        param -= update
