"""ASGD: SGD with a decaying step size and a running (Polyak) average of the parameters."""
from typing import Optional

import numpy as np

from ..autograd import dtypes
from .optimizer import Optimizer, ParamsT, check_non_negative, check_supported


class ASGD(Optimizer):
    """p = p (1 - lambd eta) - eta g; the average ax follows p from step t0 on;
    eta = lr / (1 + lambd lr t)^alpha. The average is state['ax'] (PyTorch's rule)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        check_supported(differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("weight_decay value", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[float]:
        loss = self._evaluate(closure)
        scalar = dtypes.get_default_dtype().type  # PyTorch keeps eta and mu in this precision
        parameters = self._parameters_with_grad("lr", "lambd", "alpha", "t0", "weight_decay")
        for group, param, grad, (lr, lambd, alpha, t0, weight_decay) in parameters:
            step = self._count_step(param)
            state = self.state[param]
            if "eta" not in state:
                state["eta"] = float(scalar(lr))
                state["mu"] = 1.0
            average = self._state_array(param, "ax")
            grad = self._weight_decay(param, grad, weight_decay)
            eta = state["eta"]
            param._data *= 1 - lambd * eta
            param._data -= eta * grad
            if state["mu"] != 1:
                scratch = np.subtract(param._data, average)
                scratch *= state["mu"]
                average += scratch
            else:
                average[...] = param._data
            state["eta"] = float(scalar(lr / (1 + lambd * lr * step) ** alpha))
            state["mu"] = float(scalar(1 / max(1, step - t0)))
        return loss
