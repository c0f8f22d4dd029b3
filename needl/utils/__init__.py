"""Utilities: needl.utils.data holds datasets and the DataLoader; the others (tensorboard,
model_zoo, checkpoint, hooks, _pytree) are imported on first use (tensorboard needs the optional
tensorboardX package)."""
import importlib as _importlib

from . import data

__all__ = ["data", "tensorboard", "model_zoo", "checkpoint", "hooks"]
_LAZY = frozenset({"tensorboard", "model_zoo", "checkpoint", "hooks", "_pytree"})


def __getattr__(name: str):
    if name in _LAZY:
        module = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'needl.utils' has no attribute '{name}'")
