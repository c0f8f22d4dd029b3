"""Adam (and AMSGrad) with PyTorch's update rule, bias corrections included."""
import math
from typing import Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


def _check_betas(betas) -> None:
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


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
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        _check_betas(betas)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._make(np.zeros_like(param.data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(param.data))
                if group["amsgrad"] and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    if group.get("decoupled_weight_decay", False):
                        param.data *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * param.data
                exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
                scratch = np.subtract(grad, exp_avg)
                scratch *= 1 - beta1
                exp_avg += scratch
                np.multiply(grad, grad, out=scratch)
                scratch *= 1 - beta2
                exp_avg_sq *= beta2
                exp_avg_sq += scratch
                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
                second_moment = exp_avg_sq
                if group["amsgrad"]:
                    second_moment = state["max_exp_avg_sq"].data
                    np.maximum(second_moment, exp_avg_sq, out=second_moment)
                denominator = np.sqrt(second_moment, out=scratch)
                denominator /= bias_correction2_sqrt
                denominator += eps
                np.divide(exp_avg, denominator, out=scratch)
                scratch *= step_size
                param.data -= scratch
        return loss
