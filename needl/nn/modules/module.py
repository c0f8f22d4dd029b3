"""PyTorch's module path torch.nn.modules.module: Module and the global hooks (defined in needl/nn/module.py)."""
from ..module import Module, register_module_forward_hook, register_module_forward_pre_hook

__all__ = ["Module", "register_module_forward_hook", "register_module_forward_pre_hook"]
