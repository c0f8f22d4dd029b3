"""cov and corrcoef of the rows of a matrix (variables) over its columns (observations), built
from recorded ops, so they are differentiable."""
from ..tensor import Tensor
from .. import dtypes


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance matrix of the rows of input (a 1-D input is one variable); 0-d for one row.

    fweights (integer frequencies) and aweights (observation weights) weight the columns."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input "
                           f"with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x.dtype.kind in "biu":
        x = x.astype(dtypes.get_default_dtype())
    observations = x.shape[1]
    weights = None
    for given, name in ((fweights, "fweights"), (aweights, "aweights")):
        if given is None:
            continue
        if given.ndim > 1 or given.numel() != observations:
            raise RuntimeError(f"cov(): expected {name} to be a 1-D tensor of {observations} "
                               f"observations, got shape {tuple(given.shape)}")
        if name == "fweights" and given.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype, got {given.dtype}")
        weights = given if weights is None else weights * given
    if weights is None:
        total = observations
        mean = x.mean(1, keepdim=True)
        factor = total - correction
    else:
        weights = weights.astype(x.dtype)
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        factor = total - (correction if aweights is None else
                          correction * (weights * aweights.astype(x.dtype)).sum() / total)
    centred = x - mean
    weighted = centred if weights is None else centred * weights
    factor = factor.clamp(min=0) if isinstance(factor, Tensor) else max(factor, 0)
    result = centred.matmul(weighted.t().conj()) / factor
    return result.squeeze() if input.ndim < 2 or x.shape[0] == 1 else result


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of input, clipped to [-1, 1]."""
    covariance = cov(input)
    if covariance.ndim == 0:
        return covariance / covariance
    stddev = covariance.diagonal().sqrt()
    result = covariance / stddev.unsqueeze(1) / stddev.unsqueeze(0)
    return result.clamp(-1, 1) if result.dtype.kind == "f" else result
