"""ASGD: SGD with a decaying step size and a running (Polyak) average of the parameters."""
import numpy as np

from ..autograd import dtypes
from .elementwise import ElementwiseOptimizer, count_step, state_array, with_weight_decay
from .optimizer import ParamsT, check_non_negative, check_supported


class ASGD(ElementwiseOptimizer):
    """p = p (1 - lambd eta) - eta g; the average ax follows p from step t0 on;
    eta = lr / (1 + lambd lr t)^alpha. The average is state['ax'] (PyTorch's rule)."""

    _options = ("lr", "lambd", "alpha", "t0", "weight_decay")
    _scalar_state = ("step", "eta", "mu")

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        check_supported(foreach, None, differentiable)
        check_non_negative("learning rate", lr)
        check_non_negative("weight_decay value", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, lambd, alpha, t0, weight_decay = options
        scalar = dtypes.get_default_dtype().type  # PyTorch keeps eta and mu in this precision
        step = count_step(state)
        if "eta" not in state:
            state["eta"] = float(scalar(lr))
            state["mu"] = 1.0
        average = state_array(state, "ax", param)
        grad = with_weight_decay(param, grad, weight_decay)
        eta = state["eta"]
        param *= 1 - lambd * eta
        np.multiply(grad, eta, out=scratch)
        param -= scratch
        if state["mu"] != 1:
            np.subtract(param, average, out=scratch)
            scratch *= state["mu"]
            average += scratch
        else:
            average[...] = param
        state["eta"] = float(scalar(lr / (1 + lambd * lr * step) ** alpha))
        state["mu"] = float(scalar(1 / max(1, step - t0)))
