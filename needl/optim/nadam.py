"""NAdam: Adam with Nesterov momentum and momentum decay (PyTorch's update rule)."""
from typing import Optional, Tuple

import numpy as np

from ..autograd import dtypes
from ..autograd.tensor import Tensor
from .adam import _check_betas
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class NAdam(Optimizer):
    """mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)); with Adam's m and v,
    p -= lr [(1 - mu_t) / (1 - prod mu) g + mu_{t+1} / (1 - prod mu * mu_{t+1}) m] / (sqrt(v / (1 - beta2^t)) + eps).
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("momentum_decay value", momentum_decay)
        _check_betas(betas)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        scalar = dtypes.get_default_dtype().type  # PyTorch keeps mu_product in this precision
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            momentum_decay = float(group["momentum_decay"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = Tensor._make(np.zeros_like(param.data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        param.data *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * param.data
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = float(scalar(state["mu_product"]) * scalar(mu))
                state["mu_product"] = mu_product
                exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
                scratch = np.subtract(grad, exp_avg)
                scratch *= 1 - beta1
                exp_avg += scratch
                np.multiply(grad, grad, out=scratch)
                scratch *= 1 - beta2
                exp_avg_sq *= beta2
                exp_avg_sq += scratch
                denominator = np.divide(exp_avg_sq, 1 - beta2 ** step, out=scratch)
                np.sqrt(denominator, out=denominator)
                denominator += eps
                update = np.divide(grad, denominator)
                update *= lr * (1.0 - mu) / (1.0 - mu_product)
                param.data -= update
                np.divide(exp_avg, denominator, out=update)
                update *= lr * mu_next / (1.0 - mu_product * mu_next)
                param.data -= update
        return loss
