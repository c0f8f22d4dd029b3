"""weight_norm and spectral_norm as parametrizations (torch.nn.utils.parametrizations): the
module keeps `parametrizations.weight.original0/original1` (weight norm: g and v) or
`parametrizations.weight.original` (spectral norm), and module.weight is computed from them."""
import numpy as np

from ...autograd import random
from ...autograd.mode import no_grad
from ...autograd.tensor import Tensor
from ..module import Module
from . import parametrize
from .spectral_norm import _normalize
from .weight_norm import _norm_except_dim


class _WeightNorm(Module):
    """weight = g * v / ||v|| (the norm over every dim but `dim`); right_inverse splits a weight into (g, v)."""

    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple:
        return _norm_except_dim(weight.detach(), self.dim), weight.detach()


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize module.<name> as g * v / ||v||: g = parametrizations.<name>.original0, v = original1."""
    return parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value, estimated by power iteration on the buffers
    _u and _v in training mode (off the tape); sigma is differentiated through the weight only."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
        ndim = weight.ndim
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._matrix(weight._data)
            generator = random.generator()
            u = _normalize(generator.standard_normal(matrix.shape[0]).astype(matrix.dtype), eps)
            v = _normalize(generator.standard_normal(matrix.shape[1]).astype(matrix.dtype), eps)
            self.register_buffer("_u", Tensor._make(u))
            self.register_buffer("_v", Tensor._make(v))
            self._power_method(matrix, 15)

    def _matrix(self, weight):
        """The weight as a (size of dim, everything else) matrix (a Tensor or an array)."""
        if self.dim != 0:
            order = (self.dim,) + tuple(axis for axis in range(weight.ndim) if axis != self.dim)
            weight = weight.permute(*order) if isinstance(weight, Tensor) else weight.transpose(order)
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, matrix: np.ndarray, iterations: int) -> None:
        for _ in range(iterations):  # in place, as PyTorch's out= updates
            self._u._data[...] = _normalize(matrix @ self._v._data, self.eps)
            self._v._data[...] = _normalize(matrix.T @ self._u._data, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / max(float(np.linalg.norm(weight._data)), self.eps)
        if self.training:
            with no_grad():
                self._power_method(self._matrix(weight._data), self.n_power_iterations)
        u, v = Tensor._make(self._u._data.copy()), Tensor._make(self._v._data.copy())
        sigma = (u * (self._matrix(weight) @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize module.<name> as weight / sigma (its spectral norm), as PyTorch's parametrization."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    return parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
