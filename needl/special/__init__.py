"""needl.special: PyTorch's torch.special, in NumPy alone (no SciPy), each function an op with its gradient.

Accurate to a few float64 ulps (see each module's docstring for the method); float32 inputs
are computed in float32 with about half the series terms, integers in the default dtype.
"""
from .bessel import i0, i0e, i1, i1e
from .elementary import (entr, exp2, expit, expm1, log1p, log_softmax, logit, logsumexp, sinc,
                         softmax, xlog1py, xlogy)
from .error import erf, erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from .gamma import digamma, gammaln, lgamma, multigammaln, polygamma, psi, zeta
from .incomplete_gamma import gammainc, gammaincc

__all__ = ["erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr", "gammaln", "lgamma",
           "digamma", "psi", "polygamma", "multigammaln", "zeta", "gammainc", "gammaincc", "i0", "i0e", "i1", "i1e",
           "expit", "logit", "xlogy", "xlog1py", "entr", "sinc", "expm1", "exp2", "log1p",
           "softmax", "log_softmax", "logsumexp"]
