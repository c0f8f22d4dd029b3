"""Adadelta: step sizes from running averages of squared gradients and updates (PyTorch's rule)."""
from typing import Optional

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class Adadelta(Optimizer):
    """v = rho v + (1 - rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) delta^2; p -= lr * delta."""

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho = float(group["lr"]), float(group["rho"])
            eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = Tensor._make(np.zeros_like(param.data))
                    state["acc_delta"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param.data
                square_avg, acc_delta = state["square_avg"].data, state["acc_delta"].data
                scratch = np.multiply(grad, grad)
                scratch *= 1 - rho
                square_avg *= rho
                square_avg += scratch
                std = np.add(square_avg, eps, out=scratch)
                np.sqrt(std, out=std)
                delta = np.add(acc_delta, eps)
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= grad
                np.multiply(delta, delta, out=scratch)
                scratch *= 1 - rho
                acc_delta *= rho
                acc_delta += scratch
                delta *= lr
                param.data -= delta
        return loss
