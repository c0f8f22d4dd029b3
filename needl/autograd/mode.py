"""Grad mode: whether ops record on the tape (no_grad, enable_grad, set_grad_enabled)."""
import functools


class _GradMode:
    """The process-wide switches, read by every op call, so they are plain class attributes."""
    enabled = True
    anomaly = False


def is_grad_enabled() -> bool:
    return _GradMode.enabled


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that is also a decorator."""
    mode = True

    def __enter__(self):
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous
        return False

    def __call__(self, function):
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            previous = _GradMode.enabled
            _GradMode.enabled = mode
            try:
                return function(*args, **kwargs)
            finally:
                _GradMode.enabled = previous
        return wrapper


class no_grad(_GradModeContext):
    """Ops run inside record nothing: `with needl.no_grad(): ...` or `@needl.no_grad()`."""
    mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a `no_grad` block."""
    mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode at once (as a call) and restores the previous mode on exit (as a context)."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, function):
        _GradMode.enabled = self.previous  # used as a decorator: change nothing until called
        return super().__call__(function)
