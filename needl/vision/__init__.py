"""needl.vision: torchvision's counterpart on NumPy: datasets, transforms, models, utils.

The porting rule: `from torchvision import datasets, transforms` becomes
`from needl.vision import datasets, transforms`. Subpackages load on first use, so importing
`needl.vision` costs nothing until a dataset, transform or model is asked for.
"""
import importlib as _importlib

_SUBMODULES = frozenset({"datasets", "transforms", "models", "utils"})


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'needl.vision' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
