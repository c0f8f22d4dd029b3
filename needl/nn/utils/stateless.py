"""functional_call: run a module with some of its parameters and buffers replaced by given tensors
(for meta-learning, ensembling, per-sample gradients), leaving the module unchanged afterwards."""
from contextlib import contextmanager
from typing import Any, Mapping, Sequence, Union

from ...autograd.tensor import Tensor
from ..module import Module


def _owner(module: Module, name: str):
    path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(path)
    if leaf in owner._parameters:
        return owner, "_parameters", leaf
    if leaf in owner._buffers:
        return owner, "_buffers", leaf
    return owner, None, leaf


@contextmanager
def _reparametrize(module: Module, tensors: Mapping[str, Tensor], tie_weights: bool, strict: bool):
    replaced = dict(tensors)
    if tie_weights:  # a tensor shared under several names is replaced under all of them
        by_identity = {}
        for name, tensor in (*module.named_parameters(remove_duplicate=False),
                             *module.named_buffers(remove_duplicate=False)):
            by_identity.setdefault(id(tensor), []).append(name)
        originals = dict((*module.named_parameters(remove_duplicate=False),
                          *module.named_buffers(remove_duplicate=False)))
        for name in list(replaced):
            if name in originals:
                for tied in by_identity[id(originals[name])]:
                    replaced.setdefault(tied, replaced[name])
    locations = {name: _owner(module, name) for name in replaced}
    unknown = [name for name, (_, store, _) in locations.items() if store is None]
    if strict or unknown:
        expected = {name for name, _ in (*module.named_parameters(remove_duplicate=False),
                                         *module.named_buffers(remove_duplicate=False))}
        missing = sorted(expected - set(replaced)) if strict else []
        if unknown or missing:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: "
                               + (f"Unexpected key(s): {', '.join(repr(k) for k in unknown)}. " if unknown else "")
                               + (f"Missing key(s): {', '.join(repr(k) for k in missing)}." if missing else ""))
    saved = [(owner, store, leaf, getattr(owner, store)[leaf]) for owner, store, leaf in locations.values()]
    try:
        for (owner, store, leaf), value in zip(locations.values(), replaced.values()):
            getattr(owner, store)[leaf] = value  # straight into the store: a non-leaf Tensor is allowed here
        yield
    finally:
        for owner, store, leaf, value in saved:
            getattr(owner, store)[leaf] = value


def functional_call(module: Module, parameter_and_buffer_dicts: Union[Mapping[str, Tensor], Sequence[Mapping]],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """module(*args, **kwargs) with the named tensors in place of its own (dotted names, as in
    named_parameters); several dicts are merged (a name may appear in one only)."""
    if isinstance(parameter_and_buffer_dicts, Mapping):
        tensors = dict(parameter_and_buffer_dicts)
    else:
        tensors = {}
        for part in parameter_and_buffer_dicts:
            repeated = set(part) & set(tensors)
            if repeated:
                raise ValueError(f"{sorted(repeated)} appeared in multiple dictionaries; behavior of "
                                 f"functional call is ambiguous")
            tensors.update(part)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, tensors, tie_weights, strict):
        return module(*args, **(kwargs or {}))
