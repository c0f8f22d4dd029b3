"""kl_divergence(p, q) = E_p[log p - log q], dispatched on the pair of types; register_kl adds pairs.

As in PyTorch, the most specific registered pair (by method resolution order) wins, and a pair
nobody registered raises NotImplementedError.
"""
import math

import numpy as np

from ..autograd.ops import elementwise, reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from ..linalg import solve_triangular
from ..special import digamma, gammaln
from .continuous import Beta, Dirichlet, Exponential, Gamma, Uniform
from .counts import Poisson
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .multivariate import Independent, MultivariateNormal
from .normal import HalfNormal, Laplace, LogNormal, Normal
from .utils import array, softplus

_KL_REGISTRY = {}
_KL_MEMO = {}


def register_kl(type_p, type_q):
    """Decorator: @register_kl(Normal, Normal) def kl_normal_normal(p, q): ..."""
    def decorator(function):
        _KL_REGISTRY[type_p, type_q] = function
        _KL_MEMO.clear()
        return function
    return decorator


def _dispatch(type_p, type_q):
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return None
    # the pair whose classes sit earliest in the two MROs
    best = min(matches, key=lambda pair: (type_p.__mro__.index(pair[0]), type_q.__mro__.index(pair[1])))
    return _KL_REGISTRY[best]


def kl_divergence(p, q) -> Tensor:
    """KL(p || q) for each batch element, of shape broadcast(p.batch_shape, q.batch_shape)."""
    key = (type(p), type(q))
    if key not in _KL_MEMO:
        _KL_MEMO[key] = _dispatch(*key)
    function = _KL_MEMO[key]
    if function is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                                  f"{type(q).__name__}")
    return function(p, q)


def _infinite_where(condition, value: Tensor) -> Tensor:
    """value, with +inf where condition holds (the divergence is infinite there)."""
    return elementwise.where(array(condition), np.inf, value)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    ratio = p.scale / q.scale
    variance_ratio = ratio * ratio
    term = (p.loc - q.loc) / q.scale
    return 0.5 * (variance_ratio + term * term - 1 - elementwise.log(variance_ratio))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (elementwise.log(p.rate) - elementwise.log(q.rate)) - (p.rate - q.rate)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    distance = elementwise.abs(p.loc - q.loc) / q.scale
    return -elementwise.log(scale_ratio) + distance + scale_ratio * elementwise.exp(-distance * (q.scale / p.scale)) - 1


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    p_probs, q_probs = array(p.probs), array(q.probs)
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = elementwise.where(p_probs == 0, 0.0, elementwise.where(q_probs == 0, np.inf, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = elementwise.where(p_probs == 1, 0.0, elementwise.where(q_probs == 1, np.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = elementwise.where((array(q.probs) == 0) & (array(p.probs) > 0), np.inf, t)
    t = elementwise.where(array(p.probs) == 0, 0.0, t)
    return reduce.sum(t, dim=-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = elementwise.log((q.high - q.low) / (p.high - p.low))
    outside = (array(q.low) > array(p.low)) | (array(q.high) < array(p.high))
    return _infinite_where(outside, result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    common = p.high - p.low
    t1 = elementwise.log(math.sqrt(math.pi * 2) * q.scale / common)
    t2 = (common * common) / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2) ** 2
    return t1 + 0.5 * (t2 + t3) / (q.scale * q.scale)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - elementwise.log(ratio) - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * elementwise.log(p.rate / q.rate)
    t2 = gammaln(q.concentration) - gammaln(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    total1 = a1 + b1
    t1 = gammaln(a2) + gammaln(b2) + gammaln(total1)
    t2 = gammaln(a1) + gammaln(b1) + gammaln(a2 + b2)
    t3 = (a1 - a2) * digamma(a1)
    t4 = (b1 - b2) * digamma(b1)
    t5 = (a2 - a1 + b2 - b1) * digamma(total1)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    a, b = p.concentration, q.concentration
    sum_a = reduce.sum(a, dim=-1)
    t1 = gammaln(sum_a) - gammaln(reduce.sum(b, dim=-1))
    t2 = reduce.sum(gammaln(b) - gammaln(a), dim=-1)
    t3 = reduce.sum((a - b) * (digamma(a) - shape_ops.unsqueeze(digamma(sum_a), dim=-1)), dim=-1)
    return t1 + t2 + t3


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes "
                         "cannot be computed")
    k = p.event_shape[0]
    half_log_det_difference = q._half_log_det() - p._half_log_det()
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    Lq = shape_ops.expand(q._unbroadcasted_scale_tril, sizes=shape + (k, k))
    Lp = shape_ops.expand(p._unbroadcasted_scale_tril, sizes=shape + (k, k))
    term = solve_triangular(Lq, Lp, upper=False)  # tr(Sq^-1 Sp) = |Lq^-1 Lp|_F^2
    trace = reduce.sum(term * term, dim=(-2, -1))
    difference = shape_ops.expand(p.loc - q.loc, sizes=shape + (k,))
    solved = solve_triangular(Lq, shape_ops.unsqueeze(difference, dim=-1), upper=False)
    mahalanobis = reduce.sum(solved * solved, dim=(-2, -1))
    return half_log_det_difference + 0.5 * (trace + mahalanobis - k)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independent distributions with different "
                                  "reinterpreted_batch_ndims is not implemented")
    result = kl_divergence(p.base_dist, q.base_dist)
    n = p.reinterpreted_batch_ndims
    return reduce.sum(result, dim=tuple(range(-n, 0))) if n else result


