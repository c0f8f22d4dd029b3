"""Whole modules in needl's .npz format (`needl.save(model, f)`), recorded without pickle.

A module is recorded as its class's import path, its training flag, its parameters, buffers and
children, and the rest of its `__dict__` (the constructor's options: in_features, stride...),
which must be values needl.save can write (numbers, strings, tuples, tensors, dtypes, needl
functions such as an activation). Loading with `weights_only=False` rebuilds it without running
the class's constructor: `cls.__new__(cls)`, `Module.__init__`, then the recorded state. Only
subclasses of needl.nn.Module are instantiated; a class outside needl must already be imported
(loading never imports a module a file names), and functions must come from needl itself.
Hooks are not recorded: a module with hooks is refused at save time.
"""
import inspect
import sys
from typing import Any

from ..nn.module import Module

# Module.__init__'s own state: rebuilt by calling it, never read from a file
_BASE_STATE = frozenset(vars(Module()))
_HOOK_STORES = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks",
                "_state_dict_hooks")


def _path(obj) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def encode_object(encoder, value: Any, where: str):
    """The node of a Module or a needl function/class, or None for anything else."""
    if isinstance(value, Module):
        return _encode_module(encoder, value, where or "the model")
    if (inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.isclass(value)) \
            and getattr(value, "__module__", "").startswith("needl.") \
            and "<" not in value.__qualname__:
        return {"global": _path(value)}
    return None


def _encode_module(encoder, module: Module, where: str) -> dict:
    if id(module) in encoder.seen:
        return encoder.seen[id(module)]
    cls = type(module)
    if "<" in cls.__qualname__ or cls.__module__ == "__main__" and cls.__qualname__ != cls.__name__:
        raise TypeError(f"cannot save {where}: its class {cls.__qualname__} is defined inside a "
                        f"function, so loading could not find it; define it at module level or "
                        f"save its state_dict()")
    for store in _HOOK_STORES:
        if getattr(module, store):
            raise TypeError(f"cannot save {where} ({cls.__name__}): it has hooks "
                            f"({store.strip('_')}), which are functions needl cannot record "
                            f"without pickle; remove them or save its state_dict()")
    index = len(encoder.modules)
    node = {"module": index}
    encoder.seen[id(module)] = node
    encoder.keep_alive.append(module)
    record = {"class": _path(cls), "training": bool(module.training)}
    encoder.modules.append(record)
    record["parameters"] = [[name, encoder.encode(param, f"{where}.{name}")]
                            for name, param in module._parameters.items()]
    record["buffers"] = [[name, encoder.encode(buffer, f"{where}.{name}")]
                         for name, buffer in module._buffers.items()]
    record["non_persistent"] = sorted(module._non_persistent_buffers_set)
    record["modules"] = [[name, encoder.encode(child, f"{where}.{name}")]
                         for name, child in module._modules.items()]
    attributes = []
    for name, value in vars(module).items():
        if name in _BASE_STATE:
            continue
        try:
            attributes.append([name, encoder.encode(value, f"{where}.{name}")])
        except TypeError as error:
            raise TypeError(f"{error} (while saving the whole module {cls.__name__}: save its "
                            f"state_dict() instead)") from None
    record["attributes"] = attributes
    return node


def _resolve(path: Any, decoder, must_be_module: bool):
    """The class or function at 'module:qualname', found without importing anything outside needl."""
    if not isinstance(path, str) or path.count(":") != 1:
        decoder.fail(f"{str(path)[:80]!r} is not a 'module:name' path")
    module_name, qualname = path.split(":")
    parts = qualname.split(".")
    if not all(part.isidentifier() and not part.startswith("__") for part in parts) or \
            not all(part.isidentifier() for part in module_name.split(".")):
        decoder.fail(f"refusing the global {path!r}: not a plain module path and name")
    in_needl = module_name == "needl" or module_name.startswith("needl.")
    if not must_be_module and not in_needl:
        decoder.fail(f"refusing the global {path!r}: only needl's own functions and classes are "
                     f"rebuilt from a file")
    module = sys.modules.get(module_name)
    if module is None:
        if not in_needl:
            raise _error(decoder, f"the file names the class {path!r}, whose module "
                                  f"{module_name!r} is not imported: import it before loading "
                                  f"(needl never imports a module a file names)")
        import importlib
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            decoder.fail(f"refusing the global {path!r}: needl has no module {module_name!r}")
    obj = module
    for part in parts:
        obj = getattr(obj, part, None)
    if obj is None:
        decoder.fail(f"the global {path!r} does not exist in this program")
    if must_be_module and not (isinstance(obj, type) and issubclass(obj, Module)):
        decoder.fail(f"refusing the global {path!r}: it is not a subclass of needl.nn.Module, "
                     f"and only Modules are rebuilt from a file")
    if not must_be_module and not getattr(obj, "__module__", "").startswith("needl."):
        decoder.fail(f"refusing the global {path!r}: it is not defined by needl")
    return obj


def _error(decoder, message):
    from .errors import CheckpointError
    return CheckpointError(f"{decoder.name}: {message}")


def decode_object(decoder, tag: str, value: Any):
    """Rebuild a {"module": j} or {"global": path} node; only with weights_only=False."""
    if decoder.weights_only:
        raise _error(decoder, "the file holds a whole module (needl.save(model, f)); rebuilding "
                              "it instantiates classes, so pass weights_only=False to load it if "
                              "you trust the file, or save and load model.state_dict() instead")
    if tag == "global":
        return _resolve(value, decoder, must_be_module=False)
    if not isinstance(value, int) or isinstance(value, bool) or \
            not 0 <= value < len(decoder.module_records):
        decoder.fail(f"the structure refers to module {value!r}, which the file does not hold")
    if value in decoder.modules:  # shared or recursive submodules come back as one object
        return decoder.modules[value]
    record = decoder.module_records[value]
    if not isinstance(record, dict) or set(record) != {
            "class", "training", "parameters", "buffers", "non_persistent", "modules", "attributes"}:
        decoder.fail(f"module record {value} is malformed")
    cls = _resolve(record["class"], decoder, must_be_module=True)
    module = cls.__new__(cls)
    Module.__init__(module)
    decoder.modules[value] = module
    object.__setattr__(module, "training", record["training"] is True)
    from ..autograd.tensor import Tensor
    from ..nn.parameter import Parameter
    _fill(decoder, module._parameters, record["parameters"], Parameter, "parameter")
    _fill(decoder, module._buffers, record["buffers"], Tensor, "buffer")
    _fill(decoder, module._modules, record["modules"], Module, "submodule")
    non_persistent = record["non_persistent"]
    if not isinstance(non_persistent, list) or not set(non_persistent) <= set(module._buffers):
        decoder.fail(f"module record {value} lists unknown non-persistent buffers")
    module._non_persistent_buffers_set.update(non_persistent)
    for name, item in _pairs(decoder, record["attributes"], "attribute"):
        if name in _BASE_STATE or name.startswith("__") or name in module._parameters \
                or name in module._buffers or name in module._modules:
            decoder.fail(f"module record {value} sets the reserved attribute {name!r}")
        object.__setattr__(module, name, decoder.decode(item))
    return module


def _pairs(decoder, pairs, kind):
    if not isinstance(pairs, list):
        decoder.fail(f"the {kind}s of a module record are not a list")
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                and pair[0] and "." not in pair[0]):
            decoder.fail(f"a module {kind} is not a [name, value] pair")
        yield pair


def _fill(decoder, store: dict, pairs, kind: type, what: str) -> None:
    for name, item in _pairs(decoder, pairs, what):
        value = decoder.decode(item)
        if value is not None and not isinstance(value, kind):
            decoder.fail(f"the {what} {name!r} is a {type(value).__name__}, not a {kind.__name__}")
        store[name] = value
