"""Adagrad with learning-rate decay, with PyTorch's update rule."""
from typing import Optional

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class Adagrad(Optimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state up front
            for param in group["params"]:
                self._init_state(param, group)

    def _init_state(self, param: Tensor, group: dict) -> np.ndarray:
        """The accumulator of `param`: state['step'] and state['sum'] made on first use."""
        self.state[param].setdefault("step", 0)
        return self._state_array(param, "sum", fill=group["initial_accumulator_value"])

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        parameters = self._parameters_with_grad("lr", "lr_decay", "eps", "weight_decay")
        for group, param, grad, (lr, lr_decay, eps, weight_decay) in parameters:
            total = self._init_state(param, group)
            step = self._count_step(param)
            grad = self._weight_decay(param, grad, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            scratch = np.multiply(grad, grad)
            total += scratch
            np.sqrt(total, out=scratch)
            scratch += eps
            np.divide(grad, scratch, out=scratch)
            scratch *= clr
            param._data -= scratch
        return loss
