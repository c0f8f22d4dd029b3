"""RMSprop (plain or centered, with optional momentum) with PyTorch's update rule."""
import numpy as np

from .elementwise import ElementwiseOptimizer, count_step, state_array, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported
from .running_average import lerp_, square_average_


class RMSprop(ElementwiseOptimizer):
    """v = alpha v + (1 - alpha) g^2; avg = sqrt(v - mean(g)^2 if centered else v) + eps;
    p -= lr * g / avg, or with momentum buf = momentum buf + g / avg and p -= lr * buf.
    """

    _options = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        check_supported(foreach, None, differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, alpha, eps, weight_decay, momentum = options
        count_step(state)
        square_avg = state_array(state, "square_avg", param)
        buffer = state_array(state, "momentum_buffer", param) if momentum > 0 else None
        grad_avg = state_array(state, "grad_avg", param) if group["centered"] else None
        grad = with_weight_decay(param, grad, weight_decay)
        square_average_(square_avg, grad, alpha, out=scratch)
        if grad_avg is not None:
            lerp_(grad_avg, grad, 1 - alpha, out=scratch)
            np.multiply(grad_avg, grad_avg, out=scratch)
            np.subtract(square_avg, scratch, out=scratch)
            average = np.sqrt(scratch, out=scratch)
        else:
            average = np.sqrt(square_avg, out=scratch)
        average += eps
        np.divide(grad, average, out=scratch)
        if buffer is not None:
            buffer *= momentum
            buffer += scratch
            np.multiply(buffer, lr, out=scratch)
        else:
            scratch *= lr
        param -= scratch
