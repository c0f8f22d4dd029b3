"""torch's older linear-algebra names: chain_matmul, nuclear_norm, frobenius_norm,
triangular_solve, cholesky_solve, cholesky_inverse still work (some deprecated in PyTorch), on
needl.linalg; matrix_rank, lstsq, solve, eig and symeig are removed in PyTorch and raise, as
there, with a pointer to their needl.linalg replacements."""
from collections import namedtuple

from .tensor import Tensor

triangular_solve_result = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


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


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """(X, A.clone()) with A X = b (or A^T X = b) for triangular A: linalg.solve_triangular(A, b)."""
    from ..linalg import solve_triangular
    coefficient = A.mT if transpose else A
    solution = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return triangular_solve_result(solution, A.clone())


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with (L L^H) X = B, given the Cholesky factor L (or U with U^H U, upper=True)."""
    from ..linalg import solve_triangular
    lower = L.mT.conj() if upper else L
    middle = solve_triangular(lower, B, upper=False)
    return solve_triangular(lower.mT.conj(), middle, upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of L L^H (or U^H U) from its Cholesky factor."""
    from .creation import eye
    identity = eye(L.shape[-1], dtype=L.dtype).expand(L.shape)
    return cholesky_solve(identity, L, upper)


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

__all__ = ["chain_matmul", "nuclear_norm", "frobenius_norm", "triangular_solve", "cholesky_solve", "cholesky_inverse", "matrix_rank", "lstsq", "solve", "eig", "symeig"]
