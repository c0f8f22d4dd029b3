"""SGD with momentum, dampening, weight decay and Nesterov momentum (PyTorch's update rule)."""
from typing import Optional

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class SGD(Optimizer):
    """Stochastic gradient descent, updating each parameter in place.

    With g = grad + weight_decay * p; buf = g on the first step, else
    buf = momentum * buf + (1 - dampening) * g; the step is g + momentum * buf (Nesterov) or
    buf, and p -= lr * step.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        parameters = self._parameters_with_grad("lr", "momentum", "dampening", "weight_decay")
        for group, param, grad, (lr, momentum, dampening, weight_decay) in parameters:
            grad = self._weight_decay(param, grad, weight_decay)
            if momentum != 0:
                state = self.state[param]
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = Tensor._make(np.array(grad, copy=True))
                else:
                    buffer._data *= momentum
                    buffer._data += grad if dampening == 0 else (1 - dampening) * grad
                grad = grad + momentum * buffer._data if group["nesterov"] else buffer._data
            param._data -= lr * grad
        return loss
