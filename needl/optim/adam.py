"""Adam (and AMSGrad) with PyTorch's update rule, bias corrections included."""
import math
from typing import Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported
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


def adam_moments(optimizer: Optimizer, param: Tensor, grad: np.ndarray, beta1: float,
                 beta2: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam's moments of `param` (zeros on first use) updated in place, as NAdam and RAdam share:
    exp_avg = lerp(exp_avg, g, 1 - beta1), exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2.

    Returns exp_avg, exp_avg_sq and a scratch array shaped like the parameter.
    """
    exp_avg = optimizer._state_array(param, "exp_avg")
    exp_avg_sq = optimizer._state_array(param, "exp_avg_sq")
    scratch = lerp_(exp_avg, grad, 1 - beta1)
    square_average_(exp_avg_sq, grad, beta2, out=scratch)
    return exp_avg, exp_avg_sq, scratch


class Adam(Optimizer):
    """Adam: m = lerp(m, g, 1 - beta1), v = beta2 v + (1 - beta2) g^2,
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    `amsgrad` divides by the running maximum of v instead; `weight_decay` adds
    weight_decay * p to the gradient (L2), or with `decoupled_weight_decay` (AdamW) multiplies
    p by 1 - lr * weight_decay first.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        check_supported(differentiable)
        check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        parameters = self._parameters_with_grad("lr", "betas", "eps", "weight_decay")
        for group, param, grad, (lr, beta1, beta2, eps, weight_decay) in parameters:
            step = self._count_step(param)
            grad = self._weight_decay(param, grad, weight_decay, lr,
                                      group.get("decoupled_weight_decay", False))
            exp_avg, exp_avg_sq, scratch = adam_moments(self, param, grad, beta1, beta2)
            step_size = lr / (1 - beta1 ** step)
            bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
            second_moment = exp_avg_sq
            if group["amsgrad"]:
                second_moment = self._state_array(param, "max_exp_avg_sq")
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
            denominator = np.sqrt(second_moment, out=scratch)
            denominator /= bias_correction2_sqrt
            denominator += eps
            np.divide(exp_avg, denominator, out=scratch)
            scratch *= step_size
            param._data -= scratch
        return loss
