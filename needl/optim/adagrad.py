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

    def _init_state(self, param: Tensor, group: dict) -> dict:
        state = self.state[param]
        if not state:
            state["step"] = 0
            state["sum"] = Tensor._make(np.full_like(param.data, group["initial_accumulator_value"]))
        return state

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self._init_state(param, group)
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param.data
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                total = state["sum"].data
                scratch = np.multiply(grad, grad)
                total += scratch
                np.sqrt(total, out=scratch)
                scratch += eps
                np.divide(grad, scratch, out=scratch)
                scratch *= clr
                param.data -= scratch
        return loss
