"""matrix_exp: exp(A) of square matrices (batched), by scaling and squaring a Taylor series;
its gradient is the top-right block of exp([[A^H, G], [0, A^H]]) (Mathias' block formula)."""
import math

import numpy as np

from ..function import op

_TERMS = 18  # with ||A / 2^s||_1 <= 1/2, the Taylor remainder is below 1e-22


def _expm(matrices: np.ndarray) -> np.ndarray:
    norm = np.abs(matrices).sum(-2).max(-1, initial=0.0).max(initial=0.0)
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    scaled = matrices / matrices.dtype.type(2.0 ** squarings)
    identity = np.broadcast_to(np.eye(matrices.shape[-1], dtype=matrices.dtype), matrices.shape)
    result = identity.copy()
    for k in range(_TERMS, 0, -1):  # Horner: I + A/1 (I + A/2 (I + ...))
        result = identity + (scaled @ result) / matrices.dtype.type(k)
    for _ in range(squarings):
        result = result @ result
    return result


@op
def matrix_exp(A):
    """The matrix exponential of A (..., n, n)."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"matrix_exp: expected a tensor of square matrices, got shape {A.shape}")
    if A.dtype.kind not in "fc":
        raise RuntimeError(f"matrix_exp: expected a floating point or complex tensor, got {A.dtype}")
    return _expm(A)


@matrix_exp.vjp
def matrix_exp_vjp(g, out, A):
    n = A.shape[-1]
    adjoint = np.conj(np.swapaxes(A, -1, -2))
    block = np.zeros(A.shape[:-2] + (2 * n, 2 * n), dtype=np.result_type(A, g))
    block[..., :n, :n] = adjoint
    block[..., n:, n:] = adjoint
    block[..., :n, n:] = g
    return _expm(block)[..., :n, n:]

