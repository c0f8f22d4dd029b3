"""L-BFGS: quasi-Newton steps from a short history of gradient differences, with an optional
strong-Wolfe line search; it re-evaluates the model through `step(closure)`, as in PyTorch.

The parameters are handled as one flat vector (all of them form a single group); the history
and the search direction live in `state` of the first parameter, as PyTorch keeps them.
"""
import math
from typing import Callable, List, Optional

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_non_negative


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, slope g2), clipped to
    `bounds` (default: the interval between x1 and x2); the midpoint when it has none."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    discriminant = d1 * d1 - g1 * g2
    if discriminant < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(discriminant)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def strong_wolfe(evaluate: Callable, t: float, direction: np.ndarray, loss: float,
                 grad: np.ndarray, slope: float, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_evaluations: int = 25):
    """Find a step t along `direction` satisfying the strong Wolfe conditions.

    `evaluate(t)` returns (loss, flat gradient) at the current point + t * direction; `slope` is
    grad . direction at t = 0. Returns (loss, gradient, t, number of evaluations).
    """
    direction_size = np.abs(direction).max()
    new_loss, new_grad = evaluate(t)
    evaluations, iterations = 1, 0
    new_slope = new_grad.dot(direction)
    # phase 1: grow t until an interval [t_prev, t] is known to hold an acceptable point
    t_prev, loss_prev, grad_prev, slope_prev = 0, loss, grad, slope
    found = False
    while iterations < max_evaluations:
        if new_loss > loss + c1 * t * slope or (iterations > 1 and new_loss >= loss_prev):
            bracket = [[t_prev, loss_prev, grad_prev, slope_prev], [t, new_loss, new_grad, new_slope]]
            break
        if abs(new_slope) <= -c2 * slope:
            bracket, found = [[t, new_loss, new_grad, new_slope]], True
            break
        if new_slope >= 0:
            bracket = [[t_prev, loss_prev, grad_prev, slope_prev], [t, new_loss, new_grad, new_slope]]
            break
        next_t = _cubic_minimum(t_prev, loss_prev, slope_prev, t, new_loss, new_slope,
                                bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, loss_prev, grad_prev, slope_prev = t, new_loss, new_grad, new_slope
        t = next_t
        new_loss, new_grad = evaluate(t)
        evaluations += 1
        iterations += 1
        new_slope = new_grad.dot(direction)
    else:  # out of evaluations: the interval from 0 to the last t
        bracket = [[0, loss, grad, slope], [t, new_loss, new_grad, new_slope]]
    # phase 2: shrink the interval (cubic interpolation, kept away from its ends) until done
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stalled = False
    while not found and iterations < max_evaluations:
        ends = (bracket[0][0], bracket[1][0])
        if abs(ends[1] - ends[0]) * direction_size < tolerance_change:
            break
        t = _cubic_minimum(bracket[0][0], bracket[0][1], bracket[0][3],
                           bracket[1][0], bracket[1][1], bracket[1][3])
        margin = 0.1 * (max(ends) - min(ends))
        if min(max(ends) - t, t - min(ends)) < margin:
            if stalled or t >= max(ends) or t <= min(ends):
                t = max(ends) - margin if abs(t - max(ends)) < abs(t - min(ends)) else min(ends) + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new_loss, new_grad = evaluate(t)
        evaluations += 1
        iterations += 1
        new_slope = new_grad.dot(direction)
        if new_loss > loss + c1 * t * slope or new_loss >= bracket[low][1]:
            bracket[high] = [t, new_loss, new_grad, new_slope]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(new_slope) <= -c2 * slope:
                found = True
            elif new_slope * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, new_loss, new_grad, new_slope]
    t, new_loss, new_grad, _ = bracket[low]
    return new_loss, new_grad, t, evaluations


def _array(value):
    """State loaded from a checkpoint holds Tensors (or lists of them); the updates use arrays."""
    if isinstance(value, list):
        return [_array(item) for item in value]
    return value._data if isinstance(value, Tensor) else value


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one vector; `step(closure)` runs up to max_iter iterations.

    Example: `optimizer.step(lambda: (optimizer.zero_grad(), loss := f(x), loss.backward(),
    loss)[-1])`, or a closure function that zeroes the grads, computes the loss, calls backward
    and returns the loss.
    """

    _scalar_state = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")

    def _state_shape(self, param, key):
        return None  # the state holds flat vectors and lists of them, not arrays shaped like p

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: Optional[int] = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: Optional[str] = None):
        check_non_negative("learning rate", lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"only 'strong_wolfe' is supported as line_search_fn, got "
                             f"{line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """All gradients as one vector (zeros for a parameter without one), shapes checked."""
        for index, param in enumerate(self._params):
            if param.grad is not None and param.grad._data.shape != param._data.shape:
                raise RuntimeError(f"the gradient of parameter {index} has shape "
                                   f"{param.grad._data.shape} but the parameter has shape "
                                   f"{param._data.shape}")
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _move(self, step_size, direction: np.ndarray) -> None:
        """params += step_size * direction, the flat direction cut to each parameter's shape."""
        offset = 0
        for param in self._params:
            size = param._data.size
            param._data += step_size * direction[offset:offset + size].reshape(param._data.shape)
            param._bump_version()
            offset += size

    def _loss_and_grad_at(self, closure, t, direction):
        """Loss and flat gradient at params + t * direction; the params are then put back."""
        saved = [param._data.copy() for param in self._params]
        self._move(t, direction)
        loss = float(self._evaluate(closure))
        grad = self._flat_grad()
        for param, data in zip(self._params, saved):
            param._data[...] = data
            param._bump_version()
        return loss, grad

    def step(self, closure: Optional[Callable] = None):
        """Run up to max_iter L-BFGS iterations; returns the loss at the starting point."""
        if closure is None:
            raise RuntimeError("LBFGS needs a closure that re-evaluates the model and returns "
                               "the loss: optimizer.step(closure)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = self._evaluate(closure)
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.abs(grad).max() <= tolerance_grad:
            return first_loss

        direction, t = _array(state.get("d")), state.get("t")
        old_dirs: List[np.ndarray] = _array(state.get("old_dirs"))
        old_stps: List[np.ndarray] = _array(state.get("old_stps"))
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                direction = -grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = grad - prev_grad
                s = direction * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the curvature pair only when it is positive enough
                    if len(old_dirs) == group["history_size"]:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                direction = self._two_loop(grad, old_dirs, old_stps, ro, H_diag)
            prev_grad = grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(grad).sum()) * lr if state["n_iter"] == 1 else lr
            slope = grad.dot(direction)
            if slope > -tolerance_change:
                break
            used = 0
            if group["line_search_fn"] == "strong_wolfe":
                loss, grad, t, used = strong_wolfe(
                    lambda step_size: self._loss_and_grad_at(closure, step_size, direction),
                    t, direction, loss, grad, slope, max_evaluations=max_eval - evaluations)
                self._move(t, direction)
                optimal = np.abs(grad).max() <= tolerance_grad
            else:
                self._move(t, direction)
                optimal = False
                if iteration != max_iter:
                    loss = float(self._evaluate(closure))
                    grad = self._flat_grad()
                    optimal = np.abs(grad).max() <= tolerance_grad
                    used = 1
            evaluations += used
            state["func_evals"] += used
            if iteration == max_iter or evaluations >= max_eval or optimal:
                break
            if np.abs(direction * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=direction, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro,
                     H_diag=H_diag, prev_flat_grad=prev_grad, prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _two_loop(grad, old_dirs, old_stps, ro, H_diag) -> np.ndarray:
        """-H grad for the L-BFGS inverse-Hessian estimate H (Nocedal and Wright, alg. 7.4)."""
        q = -grad
        alphas = [None] * len(old_dirs)
        for i in range(len(old_dirs) - 1, -1, -1):
            alphas[i] = old_stps[i].dot(q) * ro[i]
            q -= alphas[i] * old_dirs[i]
        r = q * H_diag
        for i in range(len(old_dirs)):
            beta = old_dirs[i].dot(r) * ro[i]
            r += (alphas[i] - beta) * old_stps[i]
        return r
