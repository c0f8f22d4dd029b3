"""MultivariateNormal and Independent."""
import math

import numpy as np

from ..autograd.ops import elementwise, reduce
from ..autograd.ops import shape as shape_ops
from ..autograd.tensor import Tensor
from ..linalg import cholesky, diagonal, solve_triangular
from . import constraints
from .distribution import Distribution
from .utils import as_float_tensor


def _batch_mahalanobis(scale_tril, difference):
    """|L^-1 d|^2 for each d (..., k): one triangular solve with the batch dimensions broadcast."""
    shape = np.broadcast_shapes(scale_tril.shape[:-2], difference.shape[:-1])
    k = difference.shape[-1]
    L = shape_ops.expand(scale_tril, sizes=shape + (k, k))
    d = shape_ops.expand(shape_ops.unsqueeze(difference, dim=-1), sizes=shape + (k, 1))
    solved = solve_triangular(L, d, upper=False)
    return reduce.sum(solved * solved, dim=(-2, -1))


def _precision_to_scale_tril(P):
    """The Cholesky factor of P^-1 without forming the inverse: flip, factor, flip, invert."""
    flipped = P[..., ::-1, ::-1]
    Lf = cholesky(flipped)
    L_inv = Lf[..., ::-1, ::-1].mT
    identity = Tensor._make(np.broadcast_to(np.eye(P.shape[-1], dtype=P.dtype), P.shape).copy())
    return solve_triangular(L_inv, identity, upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of size k, Sigma given as covariance_matrix, precision_matrix or
    scale_tril (its Cholesky factor); batch dimensions of loc and the matrix broadcast."""
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        loc = as_float_tensor(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = as_float_tensor(next(m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None), loc)
        if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] != loc.shape[-1]:
            raise ValueError(f"The matrix must be at least two-dimensional, square and of loc's size "
                             f"{loc.shape[-1]}, got shape {matrix.shape}")
        batch_shape = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        k = loc.shape[-1]
        full = batch_shape + (k, k)
        if scale_tril is not None:
            self.scale_tril = shape_ops.expand(matrix, sizes=full)
            self._unbroadcasted_scale_tril = matrix
        elif covariance_matrix is not None:
            self.covariance_matrix = shape_ops.expand(matrix, sizes=full)
        else:
            self.precision_matrix = shape_ops.expand(matrix, sizes=full)
        self.loc = shape_ops.expand(loc, sizes=batch_shape + (k,))
        super().__init__(batch_shape, (k,), validate_args=validate_args)
        if scale_tril is None:
            self._unbroadcasted_scale_tril = (cholesky(matrix) if covariance_matrix is not None
                                              else _precision_to_scale_tril(matrix))

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        return new

    @property
    def scale_tril(self) -> Tensor:
        k = self._event_shape[0]
        return shape_ops.expand(self._unbroadcasted_scale_tril, sizes=self._batch_shape + (k, k))

    @scale_tril.setter
    def scale_tril(self, value):
        self.__dict__["scale_tril"] = value

    @property
    def covariance_matrix(self) -> Tensor:
        if "covariance_matrix" in self.__dict__:
            return self.__dict__["covariance_matrix"]
        L = self._unbroadcasted_scale_tril
        k = self._event_shape[0]
        return shape_ops.expand(L @ L.mT, sizes=self._batch_shape + (k, k))

    @covariance_matrix.setter
    def covariance_matrix(self, value):
        self.__dict__["covariance_matrix"] = value

    @property
    def precision_matrix(self) -> Tensor:
        if "precision_matrix" in self.__dict__:
            return self.__dict__["precision_matrix"]
        L = self._unbroadcasted_scale_tril
        k = self._event_shape[0]
        identity = Tensor._make(np.broadcast_to(np.eye(k, dtype=L.dtype), L.shape).copy())
        L_inv = solve_triangular(L, identity, upper=False)
        return shape_ops.expand(L_inv.mT @ L_inv, sizes=self._batch_shape + (k, k))

    @precision_matrix.setter
    def precision_matrix(self, value):
        self.__dict__["precision_matrix"] = value

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return shape_ops.expand(reduce.sum(L * L, dim=-1), sizes=self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        noise = self._normal_draws(self._extended_shape(sample_shape), self.loc)
        return self.loc + shape_ops.squeeze(self._unbroadcasted_scale_tril @ Tensor._make(noise[..., None]), dim=-1)

    def _half_log_det(self) -> Tensor:
        return reduce.sum(elementwise.log(diagonal(self._unbroadcasted_scale_tril)), dim=-1)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        distance = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (k * math.log(2 * math.pi) + distance) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        entropy = 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy if entropy.shape == self._batch_shape else shape_ops.expand(entropy, sizes=self._batch_shape)


class Independent(Distribution):
    """A base distribution with its rightmost reinterpreted_batch_ndims batch dimensions read as
    event dimensions: log_prob and entropy sum over them (a diagonal Normal as one distribution)."""
    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims: int, validate_args=None):
        shape = base_distribution.batch_shape + base_distribution.event_shape
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                             f"actual {reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}")
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self))
        batch_shape = tuple(batch_shape)
        new.base_dist = self.base_dist.expand(batch_shape + self._event_shape[:self.reinterpreted_batch_ndims])
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:
        return False if self.reinterpreted_batch_ndims else self.base_dist.has_enumerate_support

    @property
    def support(self):
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape=()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def _sum_rightmost(self, value):
        n = self.reinterpreted_batch_ndims
        return reduce.sum(value, dim=tuple(range(-n, 0))) if n else value

    def log_prob(self, value) -> Tensor:
        return self._sum_rightmost(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        return self._sum_rightmost(self.base_dist.entropy())

    def enumerate_support(self, expand: bool = True) -> Tensor:
        if self.reinterpreted_batch_ndims:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
