"""needl.distributions: shapes, sampling statistics, reparameterised gradients, validation and
the Distribution API, without PyTorch (its parity tests are in test_pytorch_parity.py)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import needl
import needl.distributions as D
from needl.autograd import gradcheck


def t(values, requires_grad=False):
    return needl.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# (constructor, batch_shape, event_shape)
FAMILIES = [
    (lambda: D.Normal(t([0.0, 1.0]), t([[1.0], [2.0], [0.5]])), (3, 2), ()),
    (lambda: D.LogNormal(t([0.0, 0.5]), 0.7), (2,), ()),
    (lambda: D.Laplace(0.0, t([1.0, 2.0])), (2,), ()),
    (lambda: D.Uniform(t([0.0, -1.0]), t([1.0, 3.0])), (2,), ()),
    (lambda: D.Exponential(t([0.5, 2.0])), (2,), ()),
    (lambda: D.Gamma(t([0.5, 3.0]), t([1.0, 2.0])), (2,), ()),
    (lambda: D.Chi2(t([3.0, 5.0])), (2,), ()),
    (lambda: D.Beta(t([0.7, 2.0]), t([1.5, 3.0])), (2,), ()),
    (lambda: D.Dirichlet(t([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])), (2,), (3,)),
    (lambda: D.Bernoulli(probs=t([0.2, 0.7])), (2,), ()),
    (lambda: D.Bernoulli(logits=t([[-1.0, 2.0]])), (1, 2), ()),
    (lambda: D.Categorical(probs=t([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])), (2,), ()),
    (lambda: D.Categorical(logits=t([0.1, -1.0, 2.0, 0.0])), (), ()),
    (lambda: D.OneHotCategorical(probs=t([[0.2, 0.8], [0.5, 0.5]])), (2,), (2,)),
    (lambda: D.MultivariateNormal(t([[0.0, 1.0]]), covariance_matrix=t([[2.0, 0.3], [0.3, 1.0]])), (1,), (2,)),
    (lambda: D.MultivariateNormal(t([0.0, 1.0]), precision_matrix=t([[2.0, 0.3], [0.3, 1.0]])), (), (2,)),
    (lambda: D.MultivariateNormal(t([0.0, 1.0]), scale_tril=t([[[1.0, 0.0], [0.3, 1.0]]] * 3)), (3,), (2,)),
    (lambda: D.Independent(D.Normal(t(np.zeros((3, 4))), 1.0), 1), (3,), (4,)),
    (lambda: D.HalfNormal(t([1.0, 2.0])), (2,), ()),
    (lambda: D.Cauchy(t([0.0, 1.0]), 2.0), (2,), ()),
    (lambda: D.Poisson(t([[0.5], [4.0]])), (2, 1), ()),
    (lambda: D.Binomial(5, probs=t([0.3, 0.9])), (2,), ()),
]


@pytest.mark.parametrize("index", range(len(FAMILIES)))
def test_shapes_of_samples_densities_and_entropies(index):
    make, batch_shape, event_shape = FAMILIES[index]
    distribution = make()
    assert distribution.batch_shape == batch_shape and distribution.event_shape == event_shape
    sample = distribution.sample((5,))
    assert sample.shape == (5,) + batch_shape + event_shape and not sample.requires_grad
    assert distribution.log_prob(sample).shape == (5,) + batch_shape
    if not isinstance(distribution, D.Poisson):  # as in PyTorch, Poisson has no entropy
        assert distribution.entropy().shape == batch_shape
    expanded = distribution.expand((4,) + batch_shape)
    assert expanded.batch_shape == (4,) + batch_shape
    assert expanded.sample().shape == (4,) + batch_shape + event_shape
    assert expanded.log_prob(expanded.sample()).shape == (4,) + batch_shape
    assert repr(distribution).startswith(type(distribution).__name__)


MOMENTS = [  # (distribution, draws): the sample mean and variance approach mean and variance
    D.Normal(t([0.5, -1.0]), t([1.0, 0.3])), D.LogNormal(t([0.0]), t([0.4])), D.Laplace(t([1.0]), t([0.5])),
    D.Uniform(t([0.0]), t([2.0])), D.Exponential(t([1.5])), D.Gamma(t([0.6, 4.0]), t([2.0, 1.0])),
    D.Beta(t([0.5, 3.0]), t([2.0, 1.0])), D.Bernoulli(t([0.3])), D.Dirichlet(t([2.0, 1.0, 0.5])),
    D.OneHotCategorical(t([0.1, 0.6, 0.3])), D.Chi2(t([4.0])), D.HalfNormal(t([1.5])),
    D.Poisson(t([0.7, 6.0])), D.Binomial(t([10.0]), probs=t([0.3])),
    D.MultivariateNormal(t([1.0, -1.0]), covariance_matrix=t([[1.0, 0.5], [0.5, 2.0]])),
]


@pytest.mark.parametrize("distribution", MOMENTS, ids=lambda d: type(d).__name__)
def test_sample_moments(distribution):
    needl.manual_seed(1)
    draws = distribution.sample((40000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), distribution.mean.numpy(), atol=0.03, rtol=0.03)
    np.testing.assert_allclose(draws.var(0), distribution.variance.numpy(), atol=0.03, rtol=0.06)


def test_categorical_sampling_frequencies_and_seed():
    probs = t([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    distribution = D.Categorical(probs=probs)
    needl.manual_seed(3)
    draws = distribution.sample((30000,))
    assert draws.dtype == needl.int64
    for row in range(2):
        frequencies = np.bincount(draws.numpy()[:, row], minlength=3) / 30000
        np.testing.assert_allclose(frequencies, probs.numpy()[row], atol=0.01)
    assert (draws.numpy()[:, 1] != 1).all()  # probability 0 is never drawn
    needl.manual_seed(3)
    assert np.array_equal(distribution.sample((30000,)).numpy(), draws.numpy())


def test_categorical_api():
    distribution = D.Categorical(logits=t([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]]))
    np.testing.assert_allclose(distribution.probs.numpy().sum(-1), 1.0)
    np.testing.assert_allclose(distribution.log_prob(needl.tensor([2, 0])).numpy(),
                               np.log(distribution.probs.numpy()[[0, 1], [2, 0]]))
    assert distribution.enumerate_support().shape == (3, 2)
    assert distribution.enumerate_support(expand=False).shape == (3, 1)
    assert distribution.mode.tolist() == [2, 0] and np.isnan(distribution.mean.numpy()).all()
    # a value of batch shape (4, 1) broadcasts against batch (2,)
    assert distribution.log_prob(needl.tensor([[0], [1], [2], [1]])).shape == (4, 2)


REPARAMETERISED = [
    ("normal", lambda a, b: D.Normal(a, b.exp())),
    ("lognormal", lambda a, b: D.LogNormal(a, b.exp())),
    ("laplace", lambda a, b: D.Laplace(a, b.exp())),
    ("uniform", lambda a, b: D.Uniform(a, a + b.exp())),
    ("exponential", lambda a, b: D.Exponential(b.exp())),
    ("mvn", lambda a, b: D.MultivariateNormal(a, scale_tril=needl.tensor(np.eye(2)) * b.exp())),
    ("independent", lambda a, b: D.Independent(D.Normal(a, b.exp()), 1)),
    ("halfnormal", lambda a, b: D.HalfNormal(b.exp())),
    ("cauchy", lambda a, b: D.Cauchy(a, b.exp())),
]


@pytest.mark.parametrize("name,make", REPARAMETERISED, ids=[r[0] for r in REPARAMETERISED])
def test_rsample_gradients_are_exact_for_location_scale_families(name, make):
    """With the noise fixed (same seed), rsample is a smooth function of the parameters."""
    loc, log_scale = t([0.3, -0.2], requires_grad=True), t([0.1, -0.4], requires_grad=True)

    def draw(a, b):
        needl.manual_seed(7)
        return make(a, b).rsample((3,))

    assert gradcheck(draw, (loc, log_scale))


@pytest.mark.parametrize("make,expected", [
    (lambda a, b: D.Gamma(a, b), lambda a, b: (1 / b, -a / b ** 2)),  # d E[x] / d(a, rate)
    (lambda a, b: D.Beta(a, b), lambda a, b: (b / (a + b) ** 2, -a / (a + b) ** 2)),
], ids=["gamma", "beta"])
def test_implicit_rsample_gradients_in_expectation(make, expected):
    needl.manual_seed(2)
    a, b = t([0.4, 3.0], requires_grad=True), t([1.5, 2.0], requires_grad=True)
    make(a, b).rsample((100000,)).mean(0).sum().backward()
    grad_a, grad_b = expected(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), grad_a, rtol=0.03)
    np.testing.assert_allclose(b.grad.numpy(), grad_b, rtol=0.03)


def test_dirichlet_rsample_gradient_in_expectation():
    needl.manual_seed(4)
    a = t([1.0, 2.0, 0.5], requires_grad=True)
    (D.Dirichlet(a).rsample((100000,))[:, 0]).mean().backward()
    total = 3.5
    np.testing.assert_allclose(a.grad.numpy(), [(total - 1.0) / total ** 2, -1.0 / total ** 2, -1.0 / total ** 2],
                               rtol=0.05, atol=2e-3)


def test_log_prob_gradients():
    loc, scale = t([0.3, -0.2], requires_grad=True), t([0.7, 1.4], requires_grad=True)
    value = t([[0.1, 0.2], [1.0, -1.0]])
    assert gradcheck(lambda a, b: D.Normal(a, b).log_prob(value), (loc, scale))
    assert gradcheck(lambda a, b: D.Gamma(b, a.exp()).log_prob(value.abs() + 0.1), (loc, scale))
    assert gradcheck(lambda a, b: D.Beta(b, a.exp()).log_prob(t([0.2, 0.9])), (loc, scale))
    logits = t([[0.2, -0.1, 1.0]], requires_grad=True)
    assert gradcheck(lambda l: D.Categorical(logits=l).log_prob(needl.tensor([2, 0])), (logits,))
    assert gradcheck(lambda l: D.Categorical(logits=l).entropy(), (logits,))
    assert gradcheck(lambda l: D.Bernoulli(logits=l).log_prob(t([[1.0, 0.0, 1.0]])), (logits,))
    L = t([[1.0, 0.0], [0.4, 0.8]], requires_grad=True)
    lower = t(np.tril(np.ones((2, 2))))  # only the lower triangle is a parameter
    assert gradcheck(lambda L: D.MultivariateNormal(t([0.0, 1.0]), scale_tril=L * lower).log_prob(t([0.5, 0.5])), (L,))


def test_densities_against_closed_forms():
    value = t([0.3, 1.7])
    np.testing.assert_allclose(D.Normal(1.0, 2.0).log_prob(value).numpy(),
                               -((value.numpy() - 1) ** 2) / 8 - math.log(2) - 0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(D.Exponential(2.0).log_prob(value).numpy(), math.log(2) - 2 * value.numpy(), rtol=1e-6)
    outside = D.Uniform(0.0, 2.0, validate_args=False).log_prob(t([0.5, 2.5]))
    np.testing.assert_allclose(outside.numpy(), [math.log(0.5), -np.inf], rtol=1e-6)
    np.testing.assert_allclose(D.Normal(0.0, 1.0).cdf(t([0.0, 1.96])).numpy(), [0.5, 0.9750021], rtol=1e-6)
    np.testing.assert_allclose(D.Normal(0.0, 1.0).icdf(t([0.5, 0.9750021048517795])).numpy(), [0.0, 1.96], atol=1e-9)
    laplace = D.Laplace(0.0, 1.0)
    np.testing.assert_allclose(laplace.icdf(laplace.cdf(value)).numpy(), value.numpy(), rtol=1e-7)


def test_validation_errors_name_the_parameter_and_the_support():
    with pytest.raises(ValueError, match="parameter scale .* GreaterThan"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="simplex|Simplex"):
        D.Categorical(probs=t([-0.1, 1.1]))
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        D.Bernoulli(probs=t([0.5]), logits=t([0.0]))
    with pytest.raises(ValueError, match="within the support"):
        D.Categorical(probs=t([0.5, 0.5])).log_prob(needl.tensor(2))
    with pytest.raises(ValueError, match="within the support"):
        D.Exponential(1.0).log_prob(t([-1.0]))
    with pytest.raises(ValueError, match="broadcastable"):
        D.Normal(t([0.0, 1.0]), 1.0).log_prob(t([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="low >= high"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="Exactly one"):
        D.MultivariateNormal(t([0.0]))
    # validate_args=False skips the checks, as in PyTorch
    D.Normal(0.0, -1.0, validate_args=False)


def test_set_default_validate_args():
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


def test_float32_parameters_give_float32_samples_and_densities():
    loc = needl.tensor(np.zeros(3, np.float32), requires_grad=True)
    for distribution in (D.Normal(loc, 1.0), D.Laplace(loc, 2.0), D.Uniform(loc, loc + 1),
                         D.Gamma(loc + 2, 1.0), D.Beta(loc + 2, 1.0), D.Bernoulli(logits=loc),
                         D.Categorical(logits=loc)):
        sample = distribution.sample((2,))
        assert distribution.log_prob(sample).dtype == needl.float32
        if sample.dtype.kind == "f":
            assert sample.dtype == needl.float32
        if distribution.has_rsample:
            assert distribution.rsample().dtype == needl.float32


def test_kl_registry_dispatch_and_errors():
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(), math.log(2) + (1 + 1) / 8 - 0.5, rtol=1e-6)

    @D.register_kl(MyNormal, D.Normal)
    def constant(p, q):
        return needl.tensor(42.0)

    assert D.kl_divergence(p, q).item() == 42.0  # the more specific pair wins
    with pytest.raises(NotImplementedError, match="Normal"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))


def test_kl_is_zero_for_equal_and_positive_otherwise():
    pairs = [
        (D.Normal(t([0.0]), t([1.0])), D.Normal(t([0.5]), t([2.0]))),
        (D.Categorical(t([0.2, 0.8])), D.Categorical(t([0.5, 0.5]))),
        (D.Beta(t([2.0]), t([3.0])), D.Beta(t([1.0]), t([1.0]))),
        (D.Dirichlet(t([2.0, 1.0])), D.Dirichlet(t([1.0, 1.0]))),
        (D.MultivariateNormal(t([0.0, 0.0]), covariance_matrix=t([[1.0, 0.2], [0.2, 1.0]])),
         D.MultivariateNormal(t([0.5, 0.0]), covariance_matrix=t([[2.0, 0.0], [0.0, 1.0]]))),
    ]
    for p, q in pairs:
        assert abs(D.kl_divergence(p, p).numpy()).max() < 1e-12
        assert (D.kl_divergence(p, q).numpy() > 0).all()
    assert D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0)).item() == np.inf


def test_kl_matches_monte_carlo():
    needl.manual_seed(5)
    p, q = D.Gamma(t([2.0]), t([1.0])), D.Gamma(t([3.0]), t([2.0]))
    draws = p.sample((200000,))
    estimate = (p.log_prob(draws) - q.log_prob(draws)).mean().item()
    assert D.kl_divergence(p, q).item() == pytest.approx(estimate, abs=0.01)


def test_straight_through_one_hot_passes_gradients_to_probs():
    probs = t([0.3, 0.7], requires_grad=True)
    sample = D.OneHotCategoricalStraightThrough(probs=probs).rsample()
    (sample * t([1.0, 2.0])).sum().backward()
    assert probs.grad is not None and np.isclose(sample.detach().numpy().sum(), 1.0)


def test_constraints_check():
    from needl.distributions import constraints
    assert constraints.positive.check(t([1.0, -1.0])).tolist() == [True, False]
    assert constraints.simplex.check(t([[0.5, 0.5], [0.7, 0.7]])).tolist() == [True, False]
    assert constraints.integer_interval(0, 2).check(needl.tensor([0, 2, 3])).tolist() == [True, True, False]
    assert constraints.lower_cholesky.check(t([[1.0, 0.0], [2.0, 1.0]]))
    assert repr(constraints.interval(0.0, 1.0)) == "Interval(lower_bound=0.0, upper_bound=1.0)"


@settings(max_examples=25, deadline=None, derandomize=True)
@given(batch=st.lists(st.integers(0, 3), max_size=2).map(tuple), categories=st.integers(1, 4),
       sample=st.lists(st.integers(0, 3), max_size=2).map(tuple), seed=st.integers(0, 999))
def test_random_batch_and_sample_shapes(batch, categories, sample, seed):
    rng = np.random.default_rng(seed)
    for distribution in (D.Normal(t(rng.standard_normal(batch)), t(rng.uniform(0.5, 2, batch))),
                         D.Categorical(logits=t(rng.standard_normal(batch + (categories,)))),
                         D.Bernoulli(probs=t(rng.uniform(0.1, 0.9, batch))),
                         D.Gamma(t(rng.uniform(0.5, 2, batch)), 1.0)):
        draws = distribution.sample(sample)
        assert draws.shape == sample + batch
        assert distribution.log_prob(draws).shape == sample + batch
        assert np.isfinite(distribution.log_prob(draws).numpy()).all()
