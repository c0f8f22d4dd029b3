"""ASGD: SGD with a decaying step size and a running (Polyak) average of the parameters."""
from typing import Optional

import numpy as np

from ..autograd import dtypes
from ..autograd.tensor import Tensor
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
        for group in self.param_groups:
            lr, lambd, alpha = float(group["lr"]), float(group["lambd"]), float(group["alpha"])
            t0, weight_decay = float(group["t0"]), float(group["weight_decay"])
            for param in group["params"]:
                grad = self._gradient(param, group["maximize"])
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["eta"] = float(scalar(lr))
                    state["mu"] = 1.0
                    state["ax"] = Tensor._make(np.zeros_like(param.data))
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param.data
                eta = state["eta"]
                param.data *= 1 - lambd * eta
                param.data -= eta * grad
                average = state["ax"].data
                if state["mu"] != 1:
                    scratch = np.subtract(param.data, average)
                    scratch *= state["mu"]
                    average += scratch
                else:
                    average[...] = param.data
                step = state["step"]
                state["eta"] = float(scalar(lr / (1 + lambd * lr * step) ** alpha))
                state["mu"] = float(scalar(1 / max(1, step - t0)))
        return loss
