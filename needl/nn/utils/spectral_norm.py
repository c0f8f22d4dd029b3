"""spectral_norm / remove_spectral_norm: weight = weight_orig / sigma, sigma from power iteration (PyTorch's hook API).

In training, each forward runs n_power_iterations steps on the buffers weight_u and weight_v (off
the tape); sigma = u . (W v) is differentiated through W only, as in PyTorch.
"""
import numpy as np

from ...autograd import random
from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor
from ..parameter import Parameter
from .weight_norm import remove_reparametrization


def _normalize(vector: np.ndarray, eps: float) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), eps)


class SpectralNorm:
    """The forward pre-hook that rebuilds module.<name> from <name>_orig, <name>_u and <name>_v."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def _matrix(self, weight):
        """The weight as a 2-D (size of dim, everything else) matrix (a Tensor or an array)."""
        if self.dim != 0:
            order = (self.dim,) + tuple(axis for axis in range(weight.ndim) if axis != self.dim)
            weight = weight.permute(*order) if isinstance(weight, Tensor) else weight.transpose(order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        if do_power_iteration:
            matrix = self._matrix(weight._data)
            for _ in range(self.n_power_iterations):  # updates the buffers in place, as PyTorch's out=
                v._data[...] = _normalize(matrix.T @ u._data, self.eps)
                u._data[...] = _normalize(matrix @ v._data, self.eps)
        u_now, v_now = Tensor._make(u._data.copy()), Tensor._make(v._data.copy())
        sigma = (u_now * (self._matrix(weight) @ v_now)).sum()
        return weight / sigma

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> "SpectralNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter '{name}'")
        hook = SpectralNorm(name, n_power_iterations, dim, eps)
        matrix = hook._matrix(weight._data)
        draw = random.generator()
        u = _normalize(draw.standard_normal(matrix.shape[0]), eps).astype(weight.dtype)
        v = _normalize(draw.standard_normal(matrix.shape[1]), eps).astype(weight.dtype)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        object.__setattr__(module, name, Tensor._make(weight._data))
        module.register_buffer(name + "_u", Tensor._make(u))
        module.register_buffer(name + "_v", Tensor._make(v))
        hook.handle = module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        object.__delattr__(module, self.name)
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        del module._parameters[self.name + "_orig"]
        module.register_parameter(self.name, Parameter(weight._data))
        self.handle.remove()

    def __call__(self, module, inputs) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Divide module.<name> by its largest singular value (estimated by power iteration) before each forward."""
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Fold the normalisation back into a plain parameter <name>."""
    return remove_reparametrization(module, SpectralNorm, name, "spectral_norm")
