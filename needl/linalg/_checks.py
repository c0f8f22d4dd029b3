"""Input checks and small array helpers shared by needl.linalg (arrays and Tensors alike)."""
import numpy as np

from ..autograd.tensor import Tensor


def array(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def floating(name: str, value, what: str = "A") -> None:
    """PyTorch's linalg functions take floating point inputs only."""
    dtype = array(value).dtype
    if dtype.kind != "f":
        raise RuntimeError(f"linalg.{name}: Expected a floating point tensor as {what}. Got {dtype}")


def square(name: str, value, what: str = "A") -> None:
    """A batch of square matrices, with PyTorch's wording when it is not one."""
    floating(name, value, what)
    shape = array(value).shape
    if len(shape) < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor {what} must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.{name}: {what} must be batches of square matrices, but they are "
                           f"{shape[-2]} by {shape[-1]} matrices")


def matrix(name: str, value, what: str = "A") -> None:
    floating(name, value, what)
    if array(value).ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor {what} must have at least 2 dimensions.")


def mT(x):
    """The transpose of the last two dimensions (an array or a Tensor)."""
    return x.swapaxes(-1, -2)


def eye_like(x, n: int = None) -> np.ndarray:
    """An identity matrix in x's dtype, n x n (default: x's last dimension)."""
    return np.eye(x.shape[-1] if n is None else n, dtype=x.dtype)


def first_failure(mask: np.ndarray) -> str:
    """' (batch element (1, 0))' for the first True of a per-matrix failure mask, '' for one matrix."""
    if mask.ndim == 0:
        return ""
    return f" (batch element {tuple(int(i) for i in np.argwhere(mask)[0])})"
