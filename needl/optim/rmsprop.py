"""RMSprop (plain or centered, with optional momentum) with PyTorch's update rule."""
from typing import Optional

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class RMSprop(Optimizer):
    """v = alpha v + (1 - alpha) g^2; avg = sqrt(v - mean(g)^2 if centered else v) + eps;
    p -= lr * g / avg, or with momentum buf = momentum buf + g / avg and p -= lr * buf.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            momentum = float(group["momentum"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = Tensor._make(np.zeros_like(param.data))
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = Tensor._make(np.zeros_like(param.data))
                if group["centered"] and "grad_avg" not in state:
                    state["grad_avg"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param.data
                square_avg = state["square_avg"].data
                scratch = np.multiply(grad, grad)
                scratch *= 1 - alpha
                square_avg *= alpha
                square_avg += scratch
                if group["centered"]:
                    grad_avg = state["grad_avg"].data
                    np.subtract(grad, grad_avg, out=scratch)
                    scratch *= 1 - alpha
                    grad_avg += scratch
                    np.multiply(grad_avg, grad_avg, out=scratch)
                    np.subtract(square_avg, scratch, out=scratch)
                    average = np.sqrt(scratch, out=scratch)
                else:
                    average = np.sqrt(square_avg, out=scratch)
                average += eps
                if momentum > 0:
                    buffer = state["momentum_buffer"].data
                    buffer *= momentum
                    np.divide(grad, average, out=scratch)
                    buffer += scratch
                    np.multiply(buffer, lr, out=scratch)
                else:
                    np.divide(grad, average, out=scratch)
                    scratch *= lr
                param.data -= scratch
        return loss
