"""RMSprop (plain or centered, with optional momentum) with PyTorch's update rule."""
from typing import Optional

import numpy as np

from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported
from .running_average import lerp_, square_average_


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
        parameters = self._parameters_with_grad("lr", "alpha", "eps", "weight_decay", "momentum")
        for group, param, grad, (lr, alpha, eps, weight_decay, momentum) in parameters:
            self._count_step(param)
            square_avg = self._state_array(param, "square_avg")
            buffer = self._state_array(param, "momentum_buffer") if momentum > 0 else None
            grad_avg = self._state_array(param, "grad_avg") if group["centered"] else None
            grad = self._weight_decay(param, grad, weight_decay)
            scratch = square_average_(square_avg, grad, alpha)
            if grad_avg is not None:
                lerp_(grad_avg, grad, 1 - alpha, out=scratch)
                np.multiply(grad_avg, grad_avg, out=scratch)
                np.subtract(square_avg, scratch, out=scratch)
                average = np.sqrt(scratch, out=scratch)
            else:
                average = np.sqrt(square_avg, out=scratch)
            average += eps
            if buffer is not None:
                buffer *= momentum
                np.divide(grad, average, out=scratch)
                buffer += scratch
                np.multiply(buffer, lr, out=scratch)
            else:
                np.divide(grad, average, out=scratch)
                scratch *= lr
            param._data -= scratch
        return loss
