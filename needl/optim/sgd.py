"""SGD with momentum, dampening, weight decay and Nesterov momentum (PyTorch's update rule)."""
import numpy as np

from .elementwise import ElementwiseOptimizer, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported


class SGD(ElementwiseOptimizer):
    """Stochastic gradient descent.

    With g = grad + weight_decay * p; buf = g on the first step, else
    buf = momentum * buf + (1 - dampening) * g; the step is g + momentum * buf (Nesterov) or
    buf, and p -= lr * step.
    """

    _options = ("lr", "momentum", "dampening", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        check_supported(foreach, fused, differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, momentum, dampening, weight_decay = options
        grad = with_weight_decay(param, grad, weight_decay)
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buffer *= momentum
                if dampening == 0:
                    buffer += grad
                else:
                    np.multiply(grad, 1 - dampening, out=scratch)
                    buffer += scratch
            if group["nesterov"]:
                np.multiply(buffer, momentum, out=scratch)
                scratch += grad
                grad = scratch
            else:
                grad = buffer
        np.multiply(grad, lr, out=scratch)
        param -= scratch
