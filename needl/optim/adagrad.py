"""Adagrad with learning-rate decay, with PyTorch's update rule."""
import numpy as np

from ..autograd.tensor import Tensor
from .elementwise import ElementwiseOptimizer, count_step, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported


class Adagrad(ElementwiseOptimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    _options = ("lr", "lr_decay", "eps", "weight_decay")

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        check_supported(foreach, fused, differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state up front
            for param in group["params"]:
                self.state[param] = {"step": 0, "sum": Tensor._make(np.full_like(
                    param._data, group["initial_accumulator_value"]))}

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, lr_decay, eps, weight_decay = options
        if "sum" not in state:  # a parameter added to the optimizer later
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        total = state["sum"]
        step = count_step(state)
        grad = with_weight_decay(param, grad, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        np.multiply(grad, grad, out=scratch)
        total += scratch
        np.sqrt(total, out=scratch)
        scratch += eps
        np.divide(grad, scratch, out=scratch)
        scratch *= clr
        param -= scratch
