"""Grad mode: whether ops record on the tape (no_grad, enable_grad, set_grad_enabled, inference_mode).

The switches are per thread, as in PyTorch: `no_grad` in one thread leaves the others recording.
"""
import functools
import threading


class _ThreadState(threading.local):
    """Each thread's switches; the class attributes are the values a new thread starts with."""
    enabled = True   # ops record on the tape
    anomaly = False  # detect_anomaly: nodes keep their stack, backward checks gradients
    callbacks = None  # during backward: what queue_callback() asked to run at its end
    saved_hooks = None  # the saved_tensors_hooks blocks open in this thread
    inference = False  # inside inference_mode (which records nothing, as no_grad)


_GradMode = _ThreadState()


def is_grad_enabled() -> bool:
    return _GradMode.enabled


def is_inference_mode_enabled() -> bool:
    return _GradMode.inference


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


class _BareDecorator(_GradModeContext):
    """`@no_grad` without parentheses decorates too, as in PyTorch 2."""

    def __new__(cls, function=None):
        instance = super().__new__(cls)
        return instance(function) if callable(function) else instance

    def __init__(self, function=None):
        pass


class no_grad(_BareDecorator):
    """Ops run inside record nothing: `with needl.no_grad(): ...`, `@needl.no_grad()`."""
    mode = False


class enable_grad(_BareDecorator):
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


class inference_mode(_GradModeContext):
    """Like `no_grad` (needl has no extra bookkeeping to skip), and is_inference_mode_enabled()
    says so inside; `@inference_mode` works bare too."""

    def __new__(cls, mode=True):
        instance = super().__new__(cls)
        if callable(mode):  # used as a bare decorator
            instance.mode = False
            return instance(mode)
        return instance

    def __init__(self, mode: bool = True):
        self.mode = not mode

    def __enter__(self):
        super().__enter__()
        self.previous_inference = _GradMode.inference
        _GradMode.inference = not self.mode

    def __exit__(self, *exc_info):
        _GradMode.inference = self.previous_inference
        return super().__exit__(*exc_info)

    def __call__(self, function):
        mode = not self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return function(*args, **kwargs)
        return wrapper
