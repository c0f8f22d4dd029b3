"""record_function: a named range in the profile, as a context manager or a decorator."""
import functools
from typing import Callable

from .events import USER_ANNOTATION
from .recorder import Recorder, _get_ident, clock

__all__ = ["record_function"]


class record_function:
    """Record the block (or each call of the decorated function) as a range named `name`.

        with needl.profiler.record_function("model_inference"):
            output = model(inputs)

    The range is a row of key_averages() (its calls and total time; its self time excludes
    the ops inside it) and a box around those ops in the chrome trace. Outside a recording
    profile it is one attribute check.
    """

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._open = None  # (recorder, start ns) while a recorded range is open

    def __enter__(self) -> "record_function":
        recorder = Recorder.current
        if recorder is not None and _get_ident() == recorder.thread:
            self._open = (recorder, clock())
        return self

    def __exit__(self, *exc_info) -> bool:
        if self._open is not None:
            recorder, start = self._open
            self._open = None
            if recorder is Recorder.current:  # a range still open when recording stopped is dropped
                recorder.add_range(self.name, USER_ANNOTATION, start, clock(), self.args)
        return False

    def __call__(self, function: Callable) -> Callable:
        name, args = self.name, self.args

        @functools.wraps(function)
        def recorded(*positional, **keywords):
            if Recorder.current is None:
                return function(*positional, **keywords)
            with record_function(name, args):
                return function(*positional, **keywords)
        return recorded
