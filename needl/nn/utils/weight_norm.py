"""weight_norm / remove_weight_norm: weight = g * v / ||v||, recomputed before every forward (PyTorch's hook API)."""
from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor
from ..parameter import Parameter


def _norm_except_dim(v: Tensor, dim) -> Tensor:
    """The 2-norm over every axis but dim (dim None or -1: over everything, a 0-d tensor)."""
    if dim is None or dim == -1:
        return (v * v).sum() ** 0.5
    dim = dim % v.ndim
    axes = tuple(axis for axis in range(v.ndim) if axis != dim)
    return (v * v).sum(dim=axes, keepdim=True) ** 0.5 if axes else v.abs()


class WeightNorm:
    """The forward pre-hook that rebuilds `module.<name>` from `<name>_g` and `<name>_v`."""

    def __init__(self, name: str, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name: str, dim) -> "WeightNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"weight_norm: module {type(module).__name__} has no parameter '{name}'")
        hook = WeightNorm(name, dim)
        with no_grad():
            g = _norm_except_dim(weight.detach(), hook.dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g._data.copy()))
        module.register_parameter(name + "_v", Parameter(weight._data))
        object.__setattr__(module, name, hook.compute_weight(module))
        hook.handle = module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module)
        object.__delattr__(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight._data))
        self.handle.remove()

    def __call__(self, module, inputs) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module))


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Replace module.<name> by <name>_g (the norms, over every dim but `dim`) and <name>_v (the direction)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Fold the weight norm back into a plain parameter <name>."""
    return remove_reparametrization(module, WeightNorm, name, "weight_norm")


def remove_reparametrization(module, hook_type: type, name: str, what: str):
    """Remove the forward pre-hook of `hook_type` that recomputes module.<name> (weight or spectral norm)."""
    for hook in list(module._forward_pre_hooks.values()):
        if isinstance(hook, hook_type) and hook.name == name:
            hook.remove(module)
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
