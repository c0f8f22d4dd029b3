"""needl.jit: TorchScript's decorators, as the identity: needl runs the Python as written.

`script` and `trace` return their argument (a model keeps working, only uncompiled), the
annotations (`Final`, `ignore`, `unused`, `export`, `annotate`) change nothing, and
`is_scripting()`/`is_tracing()` are False. `save`/`load` of TorchScript archives are refused.
"""
from typing import Final  # noqa: F401  (torch.jit.Final is typing.Final)


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Returns `obj` unchanged: needl has no TorchScript compiler."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """Returns `func` unchanged: needl's tape already records each call."""
    return func


def trace_module(mod, inputs=None, *args, **kwargs):
    return mod


def _decorator(obj=None, **kwargs):
    if obj is None or not callable(obj):  # @torch.jit.ignore(drop=True)
        return lambda function: function
    return obj


ignore = unused = export = script_method = script_if_tracing = interface = _decorator


def annotate(the_type, the_value):
    return the_value


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def save(m, f, _extra_files=None):
    raise RuntimeError("needl.jit.save: needl has no TorchScript; save the weights with "
                       "needl.save(model.state_dict(), path) instead")


def load(f, map_location=None, _extra_files=None):
    raise RuntimeError("needl.jit.load: needl cannot run TorchScript archives; load a state_dict "
                       "with needl.load(path) into the model's Python class instead")


class ScriptModule:
    """Only for isinstance checks: nothing needl makes is a ScriptModule."""


class ScriptFunction:
    """Only for isinstance checks: nothing needl makes is a ScriptFunction."""
