"""torch's older linear-algebra names: chain_matmul, nuclear_norm, frobenius_norm still work
(deprecated in PyTorch); matrix_rank, lstsq, solve, eig and symeig are removed in PyTorch and
raise, as there, with a pointer to their needl.linalg replacements."""
from .tensor import Tensor


def chain_matmul(*matrices, out=None) -> Tensor:
    """The product of the matrices, in the cheapest order (needl.linalg.multi_dot)."""
    from ..linalg import multi_dot
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


def nuclear_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False) -> Tensor:
    """The sum of the singular values (needl.linalg.matrix_norm(input, 'nuc'))."""
    from ..linalg import matrix_norm
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) as positional, PyTorch's first overload
        dim, keepdim = (-2, -1), dim
    return matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def frobenius_norm(input: Tensor, dim=(-2, -1), keepdim: bool = False) -> Tensor:
    """The 2-norm of the entries over dim (needl.linalg.vector_norm(input, 2, dim))."""
    from ..linalg import vector_norm
    return vector_norm(input, 2, dim=tuple(dim) if not isinstance(dim, int) else dim, keepdim=keepdim)


def _removed(name: str, replacement: str):
    def removed(*args, **kwargs):
        raise RuntimeError(f"needl.{name} was deprecated in PyTorch 1.9 and is now removed, as in "
                           f"PyTorch: use {replacement} instead")
    removed.__name__ = name
    removed.__doc__ = f"Removed in PyTorch: raises, pointing to {replacement}."
    return removed


matrix_rank = _removed("matrix_rank", "needl.linalg.matrix_rank(A, hermitian=symmetric)")
lstsq = _removed("lstsq", "needl.linalg.lstsq(A, B) (note the argument order: A first)")
solve = _removed("solve", "needl.linalg.solve(A, B) (note the argument order: A first)")
eig = _removed("eig", "needl.linalg.eigh for symmetric matrices (needl has no general, complex eig)")
symeig = _removed("symeig", "needl.linalg.eigh(A, UPLO='U' if upper else 'L') or needl.linalg.eigvalsh")

__all__ = ["chain_matmul", "nuclear_norm", "frobenius_norm", "matrix_rank", "lstsq", "solve", "eig", "symeig"]
