"""Adadelta: step sizes from running averages of squared gradients and updates (PyTorch's rule)."""
from typing import Optional

import numpy as np

from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported
from .running_average import square_average_


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
        parameters = self._parameters_with_grad("lr", "rho", "eps", "weight_decay")
        for group, param, grad, (lr, rho, eps, weight_decay) in parameters:
            self._count_step(param)
            square_avg = self._state_array(param, "square_avg")
            acc_delta = self._state_array(param, "acc_delta")
            grad = self._weight_decay(param, grad, weight_decay)
            scratch = square_average_(square_avg, grad, rho)
            std = np.add(square_avg, eps, out=scratch)
            np.sqrt(std, out=std)
            delta = np.add(acc_delta, eps)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            square_average_(acc_delta, delta, rho, out=scratch)
            delta *= lr
            param._data -= delta
        return loss
