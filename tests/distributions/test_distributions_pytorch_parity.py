"""needl.distributions against torch.distributions (skipped without PyTorch): log_prob, entropy,
moments, cdf/icdf and KL values, and their gradients with respect to the parameters."""
import numpy as np
import pytest

import needl
import needl.distributions as D

torch = pytest.importorskip("torch")
T = torch.distributions


def both(values):
    data = np.asarray(values, dtype=np.float64)
    return needl.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


# (name, parameters, value used for log_prob, methods beyond log_prob/entropy)
FAMILIES = [
    ("Normal", ([0.2, -1.0], [[0.5], [2.0]]), [[0.3, 0.1], [2.0, -0.5]], ("mean", "stddev", "variance", "cdf", "icdf")),
    ("LogNormal", ([0.2, -1.0], [0.5, 2.0]), [0.3, 2.1], ("mean", "variance", "mode", "cdf")),
    ("Laplace", ([0.2, -1.0], [0.5, 2.0]), [0.3, -2.1], ("mean", "variance", "stddev", "cdf", "icdf")),
    ("Uniform", ([0.0, -1.0], [1.0, 2.5]), [0.3, 2.1], ("mean", "variance", "stddev", "cdf", "icdf")),
    ("Exponential", ([0.5, 2.0],), [0.3, 2.1], ("mean", "variance", "stddev", "cdf", "icdf")),
    ("Gamma", ([0.5, 3.0], [1.5, 0.7]), [0.3, 2.1], ("mean", "variance", "mode")),
    ("Chi2", ([3.0, 5.5],), [0.3, 2.1], ("mean", "variance")),
    ("Beta", ([0.5, 3.0], [1.5, 0.7]), [0.3, 0.9], ("mean", "variance")),
    ("Dirichlet", ([[0.5, 3.0, 1.0], [2.0, 2.0, 0.2]],), [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], ("mean", "variance", "mode")),
    ("Bernoulli", ([0.2, 0.9],), [1.0, 0.0], ("mean", "variance")),
    ("Categorical", ([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]],), [2, 0], ()),
    ("HalfNormal", ([0.5, 2.0],), [0.3, 2.1], ("mean", "variance", "mode", "cdf", "icdf")),
    ("Cauchy", ([0.2, -1.0], [0.5, 2.0]), [0.3, -2.1], ("mode", "icdf")),
    ("OneHotCategorical", ([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]],), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], ("mean", "variance")),
]


@pytest.mark.parametrize("name,parameters,value,methods", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_family_matches_pytorch(name, parameters, value, methods):
    pairs = [both(p) for p in parameters]
    ours = getattr(D, name)(*[p[0] for p in pairs])
    theirs = getattr(T, name)(*[p[1] for p in pairs])
    integer = name == "Categorical"
    value_ours = needl.tensor(np.asarray(value, dtype=np.int64 if integer else np.float64))
    value_theirs = torch.tensor(np.asarray(value, dtype=np.int64 if integer else np.float64))
    results = [(ours.log_prob(value_ours), theirs.log_prob(value_theirs)), (ours.entropy(), theirs.entropy())]
    for method in methods:
        if method in ("cdf", "icdf"):
            argument = [0.3, 0.8] if method == "icdf" else value
            results.append((getattr(ours, method)(needl.tensor(np.asarray(argument))),
                            getattr(theirs, method)(torch.tensor(np.asarray(argument)))))
        else:
            results.append((getattr(ours, method), getattr(theirs, method)))
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    weights = np.random.default_rng(0)
    total_ours, total_theirs = 0, 0
    for mine, reference in results:
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = weights.standard_normal(tuple(reference.shape))
        if reference.requires_grad:
            total_ours = total_ours + (mine * needl.tensor(w)).sum()
            total_theirs = total_theirs + (reference * torch.tensor(w)).sum()
    total_ours.backward()
    total_theirs.backward()
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_count_distributions_match():
    rate, trate = both([0.5, 3.0])
    ours, theirs = D.Poisson(rate), T.Poisson(trate)
    value = np.array([[0.0, 2.0], [4.0, 1.0]])
    loss = ours.log_prob(needl.tensor(value)).sum()
    expected = theirs.log_prob(torch.tensor(value)).sum()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(rate.grad.numpy(), trate.grad.numpy(), rtol=1e-12)
    assert ours.mode.tolist() == theirs.mode.tolist()
    for key in ("probs", "logits"):
        parameter, tparameter = both([0.3, 0.6] if key == "probs" else [-0.5, 0.0])
        ours = D.Binomial(10, **{key: parameter})
        theirs = T.Binomial(10, **{key: tparameter})
        value = np.array([3.0, 7.0])
        loss = ours.log_prob(needl.tensor(value)).sum() + ours.entropy().sum()
        expected = theirs.log_prob(torch.tensor(value)).sum() + theirs.entropy().sum()
        assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
        loss.backward()
        expected.backward()
        np.testing.assert_allclose(parameter.grad.numpy(), tparameter.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours.mode.numpy(), theirs.mode.detach().numpy())
        np.testing.assert_allclose(ours.variance.detach().numpy(), theirs.variance.detach().numpy())


def test_logits_parameterisations_match():
    for name in ("Bernoulli", "Categorical"):
        logits, tlogits = both([[0.3, -1.2, 2.0]])
        ours, theirs = getattr(D, name)(logits=logits), getattr(T, name)(logits=tlogits)
        value = np.asarray([[1.0, 0.0, 1.0]]) if name == "Bernoulli" else np.asarray([2])
        loss = ours.log_prob(needl.tensor(value)).sum() + ours.entropy().sum() + ours.probs.sum() * 0.3
        expected = theirs.log_prob(torch.tensor(value)).sum() + theirs.entropy().sum() + theirs.probs.sum() * 0.3
        assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
        loss.backward()
        expected.backward()
        np.testing.assert_allclose(logits.grad.numpy(), tlogits.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("parameterisation", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_matches(parameterisation):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 3, 3))
    matrix = A @ A.transpose(0, 2, 1) + np.eye(3)
    if parameterisation == "scale_tril":
        matrix = np.linalg.cholesky(matrix)
    loc, tloc = both(rng.standard_normal((2, 3)))
    M, tM = both(matrix)
    ours = D.MultivariateNormal(loc, **{parameterisation: M})
    theirs = T.MultivariateNormal(tloc, **{parameterisation: tM})
    value = rng.standard_normal((4, 2, 3))
    pairs = [(ours.log_prob(needl.tensor(value)), theirs.log_prob(torch.tensor(value))),
             (ours.entropy(), theirs.entropy()), (ours.variance, theirs.variance),
             (ours.covariance_matrix, theirs.covariance_matrix), (ours.precision_matrix, theirs.precision_matrix),
             (ours.scale_tril, theirs.scale_tril)]
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-9, atol=1e-11)
    (pairs[0][0].sum() + pairs[1][0].sum()).backward()
    (pairs[0][1].sum() + pairs[1][1].sum()).backward()
    np.testing.assert_allclose(loc.grad.numpy(), tloc.grad.numpy(), rtol=1e-9)
    # PyTorch reads only the lower triangle of scale_tril; the full matrices symmetric
    np.testing.assert_allclose(M.grad.numpy(), tM.grad.numpy(), rtol=1e-8, atol=1e-10)


KL_PAIRS = [
    ("Normal", ([0.2, -1.0], [0.5, 2.0]), "Normal", ([0.0], [1.5])),
    ("LogNormal", ([0.2, -1.0], [0.5, 2.0]), "LogNormal", ([0.0], [1.5])),
    ("Laplace", ([0.2, -1.0], [0.5, 2.0]), "Laplace", ([0.0], [1.5])),
    ("Uniform", ([0.0, 0.5], [1.0, 1.5]), "Uniform", ([-1.0], [2.0])),
    ("Uniform", ([0.0, 0.5], [1.0, 1.5]), "Normal", ([0.3], [1.2])),
    ("Exponential", ([0.5, 2.0],), "Exponential", ([1.5],)),
    ("Gamma", ([0.5, 3.0], [1.5, 0.7]), "Gamma", ([2.0], [1.0])),
    ("Beta", ([0.5, 3.0], [1.5, 0.7]), "Beta", ([2.0], [1.0])),
    ("Dirichlet", ([[0.5, 3.0], [2.0, 0.2]],), "Dirichlet", ([1.0, 2.0],)),
    ("Bernoulli", ([0.2, 0.9],), "Bernoulli", ([0.5, 0.3],)),  # PyTorch's does not broadcast
    ("Poisson", ([0.2, 3.0],), "Poisson", ([1.5],)),
    ("HalfNormal", ([0.2, 3.0],), "HalfNormal", ([1.5],)),
    ("Categorical", ([[0.2, 0.8], [0.6, 0.4]],), "Categorical", ([0.5, 0.5],)),
    ("OneHotCategorical", ([[0.2, 0.8], [0.6, 0.4]],), "OneHotCategorical", ([0.3, 0.7],)),
]


@pytest.mark.parametrize("p_name,p_parameters,q_name,q_parameters", KL_PAIRS, ids=[f"{k[0]}-{k[2]}" for k in KL_PAIRS])
def test_kl_divergence_matches(p_name, p_parameters, q_name, q_parameters):
    p_pairs = [both(v) for v in p_parameters]
    q_pairs = [both(v) for v in q_parameters]
    ours = D.kl_divergence(getattr(D, p_name)(*[a for a, _ in p_pairs]), getattr(D, q_name)(*[a for a, _ in q_pairs]))
    theirs = T.kl_divergence(getattr(T, p_name)(*[b for _, b in p_pairs]), getattr(T, q_name)(*[b for _, b in q_pairs]))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in p_pairs + q_pairs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_kl_mvn_and_independent_match():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((2, 3, 3)), rng.standard_normal((3, 3))
    S1, S2 = A @ A.transpose(0, 2, 1) + np.eye(3), B @ B.T + np.eye(3)
    loc1, loc2 = rng.standard_normal((2, 3)), rng.standard_normal(3)
    ours = D.kl_divergence(D.MultivariateNormal(needl.tensor(loc1), covariance_matrix=needl.tensor(S1)),
                           D.MultivariateNormal(needl.tensor(loc2), covariance_matrix=needl.tensor(S2)))
    theirs = T.kl_divergence(T.MultivariateNormal(torch.tensor(loc1), covariance_matrix=torch.tensor(S1)),
                             T.MultivariateNormal(torch.tensor(loc2), covariance_matrix=torch.tensor(S2)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    ours = D.kl_divergence(D.Independent(D.Normal(needl.tensor(loc1), 1.0), 1),
                           D.Independent(D.Normal(needl.tensor(loc2), 2.0), 1))
    theirs = T.kl_divergence(T.Independent(T.Normal(torch.tensor(loc1), 1.0), 1),
                             T.Independent(T.Normal(torch.tensor(loc2), 2.0), 1))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    certain = D.kl_divergence(D.Bernoulli(needl.tensor([0.0, 1.0, 0.5])), D.Bernoulli(needl.tensor([0.5, 0.0, 1.0])))
    expected = T.kl_divergence(T.Bernoulli(torch.tensor([0.0, 1.0, 0.5])), T.Bernoulli(torch.tensor([0.5, 0.0, 1.0])))
    np.testing.assert_allclose(certain.numpy(), expected.numpy(), rtol=1e-6)


def test_implicit_gamma_gradient_matches_pytorchs_to_its_accuracy():
    from needl.special.incomplete_gamma import standard_gamma_grad
    a = np.array([0.1, 0.5, 1.0, 3.0, 10.0, 50.0])
    x = np.array([0.05, 0.4, 1.2, 2.5, 12.0, 45.0])
    expected = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(a, x), expected, rtol=1e-3)  # PyTorch's is approximate
