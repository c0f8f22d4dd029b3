"""Adafactor: Adam-like steps whose second moment of a matrix is stored as one row and one column
factor (memory grows with rows + columns, not their product), with PyTorch's update rule."""
import math
from typing import Optional, Tuple

import numpy as np

from .elementwise import ElementwiseOptimizer, count_step
from .optimizer import ParamsT
from .running_average import lerp_


class Adafactor(ElementwiseOptimizer):
    """With t the step, beta2_t = 1 - t^beta2_decay and rho = min(lr, 1 / sqrt(t)):
    the second moment v of g^2 is factored over the last two dimensions (row and column means,
    averaged with weight t^beta2_decay) or kept whole for vectors; the update u = g / sqrt(v),
    clipped to RMS d, moves p by rho * max(eps2, RMS(p)) * u. Weight decay is decoupled.
    """

    _options = ("lr", "beta2_decay", "d", "weight_decay")
    _elementwise = False  # factored moments belong to one parameter: never in a bucket

    def __init__(self, params: ParamsT, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: Tuple[Optional[float], float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach=None, maximize: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _state_shape(self, param, key):
        if key == "row_var":
            return param.shape[:-1] + (1,)
        if key == "col_var":
            return param.shape[:-2] + (1,) + param.shape[-1:]
        return param.shape

    def _update(self, group, options, param, grad, state, scratch) -> None:
        lr, beta2_decay, d, weight_decay = options
        eps1, eps2 = group["eps"]
        eps1 = np.finfo(param.dtype).eps if eps1 is None else float(eps1)
        step = float(count_step(state))
        if param.size == 0:
            return
        weight = step ** beta2_decay  # 1 - beta2_t
        rho = min(lr, 1 / step ** 0.5)
        alpha = max(float(eps2), _rms(param)) * rho
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        if grad.ndim > 1:
            if "row_var" not in state:
                state["row_var"] = np.zeros(grad.shape[:-1] + (1,), param.dtype)
                state["col_var"] = np.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], param.dtype)
            row_var, col_var = state["row_var"], state["col_var"]
            square = np.multiply(grad, grad, out=scratch)
            lerp_(row_var, square.mean(axis=-1, keepdims=True), weight)
            lerp_(col_var, square.mean(axis=-2, keepdims=True), weight)
            estimate = np.matmul(row_var, col_var)
            estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state.get("variance")
            if variance is None:
                variance = state["variance"] = np.zeros_like(param)
            lerp_(variance, np.multiply(grad, grad, out=scratch), weight)
            estimate = variance.copy()
        np.maximum(estimate, eps1 * eps1, out=estimate)
        update = np.sqrt(estimate, out=estimate)
        np.divide(grad, update, out=update)
        denominator = max(1.0, _rms(update) / d)
        update *= -alpha / denominator
        param += update


def _rms(array: np.ndarray) -> float:
    """The root mean square of `array` (0 for an empty one)."""
    if array.size == 0:
        return 0.0
    flat = array.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)) / array.size)
