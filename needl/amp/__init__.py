"""needl.amp: automatic mixed precision, kept at full precision on needl.

NumPy on a CPU gains nothing from float16 matmuls (they are slower than float32), so `autocast`
is a context manager (and decorator) that changes no dtype, and `GradScaler` passes gradients
through unscaled; programs written for mixed precision run unchanged and compute in float32.
"""
import functools


class autocast:
    """`with needl.autocast("cuda" | "cpu", dtype=..., enabled=...)`: ops keep their dtypes."""

    def __init__(self, device_type: str = "cpu", dtype=None, enabled: bool = True,
                 cache_enabled: bool = True):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: device_type must be a string such as 'cpu', got {device_type!r}")
        self.device_type = device_type
        self.fast_dtype = dtype
        self.enabled = bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return wrapper


def is_autocast_available(device_type: str) -> bool:
    return device_type == "cpu"


def custom_fwd(function=None, *, device_type: str = "cpu", cast_inputs=None):
    """Decorator for a custom Function's forward under autocast: nothing to change on needl."""
    if function is None:
        return lambda inner: inner
    return function


def custom_bwd(function=None, *, device_type: str = "cpu"):
    """Decorator for a custom Function's backward under autocast: nothing to change on needl."""
    if function is None:
        return lambda inner: inner
    return function


class GradScaler:
    """PyTorch's loss scaler with a scale of 1: needl never computes in float16, so nothing underflows.

    `scale(loss)` returns the loss, `step(optimizer)` calls `optimizer.step()` unless a gradient
    is inf or NaN (as PyTorch skips such steps), `update()` keeps the scale.
    """

    def __init__(self, device: str = "cpu", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        self._enabled = enabled
        self._found_inf = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer) -> None:
        self._found_inf[id(optimizer)] = _has_non_finite(optimizer)

    def step(self, optimizer, *args, **kwargs):
        found_inf = self._found_inf.pop(id(optimizer), None)
        if found_inf is None:
            found_inf = _has_non_finite(optimizer)
        if self._enabled and found_inf:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        self._found_inf.clear()

    def get_scale(self) -> float:
        return 1.0

    def get_growth_factor(self) -> float:
        return 2.0

    def state_dict(self) -> dict:
        return {"scale": 1.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
                "_growth_tracker": 0} if self._enabled else {}

    def load_state_dict(self, state_dict: dict) -> None:
        """The scale is always 1 on needl: nothing to restore."""


def _has_non_finite(optimizer) -> bool:
    import numpy as np
    for group in optimizer.param_groups:
        for param in group["params"]:
            if param.grad is not None and not np.all(np.isfinite(param.grad._data)):
                return True
    return False


__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available"]


from . import autocast_mode, grad_scaler  # noqa: E402  (PyTorch's module paths)
