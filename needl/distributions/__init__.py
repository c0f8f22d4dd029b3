"""needl.distributions: PyTorch's torch.distributions for the distributions programs use most,
with reparameterised rsample where PyTorch has one, and kl_divergence for the usual pairs."""
from . import constraints, kl
from .counts import Binomial, Poisson
from .continuous import Beta, Chi2, Dirichlet, Exponential, Gamma, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .multivariate import Independent, MultivariateNormal
from .normal import Cauchy, HalfNormal, Laplace, LogNormal, Normal

__all__ = ["Distribution", "Normal", "LogNormal", "HalfNormal", "Laplace", "Cauchy", "Poisson", "Binomial", "Uniform", "Exponential", "Gamma", "Chi2", "Beta", "Dirichlet",
           "Bernoulli", "Categorical", "OneHotCategorical", "OneHotCategoricalStraightThrough",
           "MultivariateNormal", "Independent", "kl_divergence", "register_kl", "constraints", "kl"]
