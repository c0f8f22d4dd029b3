"""needl.compiler and needl.compile: needl has no compiler, so compiling returns what it is given.

`model = needl.compile(model)` keeps the model as it is (eager NumPy); the switches of
torch.compiler are accepted so that programs which use them run.
"""
from typing import Callable


def compile(model: Callable = None, *, fullgraph: bool = False, dynamic=None, backend="inductor",
            mode=None, options=None, disable: bool = False):
    """Returns `model` unchanged (also as `@needl.compile` and `@needl.compile(mode=...)`)."""
    if model is None:
        return lambda function: function
    return model


def disable(fn=None, recursive: bool = True, reason=None):
    if fn is None:
        return lambda function: function
    return fn


def is_compiling() -> bool:
    return False


def is_dynamo_compiling() -> bool:
    return False


def reset() -> None:
    """No compiled code to forget."""


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn
