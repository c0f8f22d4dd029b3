"""PyTorch's module path torch.nn.modules.container: the containers (defined in needl/nn/containers.py)."""
from ..containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
