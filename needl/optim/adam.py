"""Adam (and AMSGrad) with PyTorch's update rule, bias corrections included."""
import math
from typing import Tuple

import numpy as np

from .elementwise import ElementwiseOptimizer, count_step, state_array, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported
from .running_average import lerp_, square_average_


def check_adam_options(lr: float, betas: Tuple[float, float], eps: float,
                       weight_decay: float) -> None:
    """The option checks of the Adam family (Adam, AdamW, Adamax, NAdam, RAdam), PyTorch's."""
    check_non_negative("learning rate", lr)
    check_non_negative("epsilon value", eps)
    check_non_negative("weight_decay value", weight_decay)
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def adam_moments(param: np.ndarray, grad: np.ndarray, state: dict, beta1: float, beta2: float,
                 scratch: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Adam's moments (zeros on first use) updated in place, as NAdam and RAdam share:
    exp_avg = lerp(exp_avg, g, 1 - beta1), exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2.
    `scratch` is overwritten."""
    exp_avg = state_array(state, "exp_avg", param)
    exp_avg_sq = state_array(state, "exp_avg_sq", param)
    lerp_(exp_avg, grad, 1 - beta1, out=scratch)
    square_average_(exp_avg_sq, grad, beta2, out=scratch)
    return exp_avg, exp_avg_sq


class Adam(ElementwiseOptimizer):
    """Adam: m = lerp(m, g, 1 - beta1), v = beta2 v + (1 - beta2) g^2,
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    `amsgrad` divides by the running maximum of v instead; `weight_decay` adds
    weight_decay * p to the gradient (L2), or with `decoupled_weight_decay` (AdamW) multiplies
    p by 1 - lr * weight_decay first.
    """

    _options = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        check_supported(foreach, fused, differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta1, beta2, eps, weight_decay = options
        step = count_step(state)
        grad = with_weight_decay(param, grad, weight_decay, lr,
                                 group.get("decoupled_weight_decay", False))
        exp_avg, second_moment = adam_moments(param, grad, state, beta1, beta2, scratch)
        if group["amsgrad"]:
            maximum = state_array(state, "max_exp_avg_sq", param)
            np.maximum(maximum, second_moment, out=maximum)
            second_moment = maximum
        # m / (sqrt(v) / c + eps) * lr / (1 - beta1^t), c = sqrt(1 - beta2^t), computed as
        # m / (sqrt(v) + eps c) * (lr c / (1 - beta1^t)): one pass fewer, equal to rounding
        correction = math.sqrt(1 - beta2 ** step)
        denominator = np.sqrt(second_moment, out=scratch)
        denominator += eps * correction
        np.divide(exp_avg, denominator, out=scratch)
        scratch *= lr * correction / (1 - beta1 ** step)
        param -= scratch
