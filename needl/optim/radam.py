"""RAdam: Adam with the variance of the adaptive learning rate rectified (PyTorch's update rule)."""
import math
from typing import Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class RAdam(Optimizer):
    """Adam's moments; while the variance estimate is unreliable (rho_t <= 5) the step is plain
    momentum, lr * m / (1 - beta1^t); afterwards Adam's step times the rectification term."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        _check_betas(betas)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._make(np.zeros_like(param.data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
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
                param.data -= scratch
        return loss
