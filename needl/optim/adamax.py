"""Adamax: Adam with the infinity norm in place of the second moment (PyTorch's update rule)."""
from typing import Optional, Tuple

import numpy as np

from ..autograd.tensor import Tensor
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class Adamax(Optimizer):
    """m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        _check_betas(betas)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
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
                    state["exp_inf"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param.data
                exp_avg, exp_inf = state["exp_avg"].data, state["exp_inf"].data
                scratch = np.subtract(grad, exp_avg)
                scratch *= 1 - beta1
                exp_avg += scratch
                np.abs(grad, out=scratch)
                scratch += eps
                exp_inf *= beta2
                np.maximum(exp_inf, scratch, out=exp_inf)
                np.divide(exp_avg, exp_inf, out=scratch)
                scratch *= lr / (1 - beta1 ** state["step"])
                param.data -= scratch
        return loss
