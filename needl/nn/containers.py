"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict
from typing import Iterable, Iterator, Mapping

from .module import Module, _addindent
from .parameter import Parameter


def _parameters_repr(parameters: dict) -> str:
    return "\n".join(f"  ({name}): Parameter containing: [needl.{p.dtype} of size "
                     f"{'x'.join(str(size) for size in p.shape)}]" for name, p in parameters.items())


def _index(index: int, length: int, kind: str) -> int:
    index = int(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a {kind} of length {length}")
    return index % length


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules in order, renumbered 0, 1, 2 ... after edits."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def _position(self, index: int) -> int:
        return _index(index, len(self._modules), type(self).__name__)

    def _renumber(self, modules) -> None:
        """Re-register `modules` under the names '0', '1', ... (PyTorch keeps this numbering)."""
        self._modules.clear()
        for position, module in enumerate(modules):
            self._modules[str(position)] = module

    def __delitem__(self, index) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else self._position(index)]
        self._renumber(modules)

    def append(self, module: Module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module):
        if not isinstance(module, Module):
            raise TypeError(f"module should be of type Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        index = len(modules) + index if index < 0 else index
        if not 0 <= index <= len(modules):
            raise IndexError(f"index {index} is out of range for insertion into a {type(self).__name__} "
                             f"of length {len(modules)}")
        modules.insert(index, module)
        self._renumber(modules)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after the other: Sequential(m0, m1, ...) or Sequential(OrderedDict(...))."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._position(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[self._position(index)], module)

    def __add__(self, other: "Sequential") -> "Sequential":
        return Sequential(*self, *other)


class ModuleList(_ModuleSequence):
    """A list of modules that registers them (names '0', '1', ...); it has no forward of its own."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(self._position(index))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(self._position(index)), module)

    def __repr__(self):
        """Runs of identical modules are folded, as PyTorch prints them: (0-2): 3 x Linear(...)."""
        if not self._modules:
            return "ModuleList()"
        lines, texts = [], [repr(module) for module in self._modules.values()]
        start = 0
        while start < len(texts):
            end = start
            while end + 1 < len(texts) and texts[end + 1] == texts[start]:
                end += 1
            body = _addindent(texts[start], 2)
            if end > start:
                lines.append(f"({start}-{end}): {end - start + 1} x {body}")
            else:
                lines.append(f"({start}): {body}")
            start = end + 1
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList([*self, *other])


class _DictContainer(Module):
    """The dict protocol of ModuleDict and ParameterDict, over the registry `_entries` names."""
    _entries = "_modules"

    def _store(self) -> dict:
        return getattr(self, self._entries)

    def __getitem__(self, key: str):
        return self._store()[key]

    def __delitem__(self, key: str) -> None:
        del self._store()[key]

    def __len__(self) -> int:
        return len(self._store())

    def __iter__(self) -> Iterator[str]:
        return iter(self._store())

    def __contains__(self, key) -> bool:
        return key in self._store()

    def keys(self):
        return self._store().keys()

    def values(self):
        return self._store().values()

    def items(self):
        return self._store().items()

    def pop(self, key: str):
        return self._store().pop(key)

    def clear(self) -> None:
        self._store().clear()

    def update(self, entries) -> None:
        for key, value in (entries.items() if hasattr(entries, "items") else entries):
            self[key] = value


class ModuleDict(_DictContainer):
    """A dict of modules that registers them under their keys."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)


class ParameterList(Module):
    """A list of Parameters registered under the names '0', '1', ..."""

    def __init__(self, values: Iterable | None = None):
        super().__init__()
        if values is not None:
            for value in values:
                self.append(value)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __getitem__(self, index: int) -> Parameter:
        return self._parameters[str(_index(index, len(self), "ParameterList"))]

    def __setitem__(self, index: int, value) -> None:
        name = str(_index(index, len(self), "ParameterList"))
        self.register_parameter(name, value if isinstance(value, Parameter) else Parameter(value))

    def append(self, value) -> "ParameterList":
        self.register_parameter(str(len(self)), value if isinstance(value, Parameter) else Parameter(value))
        return self

    def extend(self, values: Iterable) -> "ParameterList":
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return _parameters_repr(self._parameters)


class ParameterDict(_DictContainer):
    """A dict of Parameters registered under their keys."""
    _entries = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def extra_repr(self) -> str:
        return _parameters_repr(self._parameters)
