"""needl.linalg: PyTorch's torch.linalg on NumPy's LAPACK, batched over leading dimensions, every
differentiable function an op with the standard matrix-calculus gradient (second order too)."""
from ..autograd.ops.linalg import matmul
from . import legacy  # noqa: F401  (torch.svd, torch.norm, torch.inverse ..., wired at the top level)
from .decompositions import (eigh, eigvalsh, lstsq, matrix_rank, pinv, qr, svd, svdvals)
from .inverse import (cholesky, cholesky_ex, det, inv, inv_ex, slogdet, solve, solve_triangular)
from .lu_factorization import linalg_lu_function as lu, lu_factor
from .norms import cond, matrix_norm, norm, vector_norm
from .products import cross, diagonal, matrix_power, multi_dot, vecdot

__all__ = ["cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv",
           "inv_ex", "lstsq", "lu", "lu_factor", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vecdot",
           "vector_norm"]
