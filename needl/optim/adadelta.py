"""Adadelta: step sizes from running averages of squared gradients and updates (PyTorch's rule)."""
import numpy as np

from .elementwise import ElementwiseOptimizer, count_step, state_array, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported
from .running_average import square_average_


class Adadelta(ElementwiseOptimizer):
    """v = rho v + (1 - rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) delta^2; p -= lr * delta."""

    _options = ("lr", "rho", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        check_supported(foreach, None, differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, rho, eps, weight_decay = options
        count_step(state)
        square_avg = state_array(state, "square_avg", param)
        acc_delta = state_array(state, "acc_delta", param)
        grad = with_weight_decay(param, grad, weight_decay)
        square_average_(square_avg, grad, rho, out=scratch)
        std = np.add(square_avg, eps, out=scratch)
        np.sqrt(std, out=std)
        delta = np.add(acc_delta, eps, out=np.empty_like(param))
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        square_average_(acc_delta, delta, rho, out=scratch)
        delta *= lr
        param -= delta
