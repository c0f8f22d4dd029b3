"""needl.nn.init: the initialisers' statistics, gains, and each layer's default initialisation."""
import math

import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_simple_fills_keep_dtype_and_shape():
    tensor = needl.empty(3, 4)
    assert np.all(init.constant_(tensor, 0.5).detach().numpy() == 0.5) and tensor.dtype == np.float32
    assert np.all(init.ones_(tensor).detach().numpy() == 1) and np.all(init.zeros_(tensor).detach().numpy() == 0)
    np.testing.assert_array_equal(init.eye_(needl.empty(2, 3)).detach().numpy(), np.eye(2, 3))
    weight = init.dirac_(needl.empty(2, 2, 3, 3))
    assert weight.detach().numpy()[0, 0, 1, 1] == 1 and weight.detach().numpy().sum() == 2


def test_initialisers_work_on_parameters_that_require_grad():
    weight = nn.Parameter(needl.empty(100, 50))
    init.normal_(weight, 2.0, 0.5)
    assert abs(weight.detach().numpy().mean() - 2.0) < 0.05 and abs(weight.detach().numpy().std() - 0.5) < 0.05
    assert weight.requires_grad and weight.grad_fn is None


def test_uniform_and_xavier_and_kaiming_bounds():
    tensor = needl.empty(200, 300)
    init.uniform_(tensor, -0.3, 0.7)
    assert tensor.detach().numpy().min() >= -0.3 and tensor.detach().numpy().max() < 0.7
    init.xavier_uniform_(tensor, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(tensor.detach().numpy()).max() <= bound and np.abs(tensor.detach().numpy()).max() > 0.95 * bound
    init.xavier_normal_(tensor)
    assert tensor.detach().numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.05)
    init.kaiming_uniform_(tensor, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(tensor.detach().numpy()).max() <= bound and np.abs(tensor.detach().numpy()).max() > 0.95 * bound
    init.kaiming_normal_(tensor, mode="fan_out", nonlinearity="relu")
    assert tensor.detach().numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.05)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(needl.empty(3))


def test_conv_fans_use_the_receptive_field():
    weight = needl.empty(8, 4, 3, 3)
    assert init._calculate_fan_in_and_fan_out(weight) == (36, 72)


def test_trunc_normal_orthogonal_and_sparse():
    tensor = init.trunc_normal_(needl.empty(1000), std=1.0, a=-0.5, b=0.5)
    assert tensor.detach().numpy().min() >= -0.5 and tensor.detach().numpy().max() <= 0.5
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        weight = init.orthogonal_(needl.empty(*shape), gain=1.5).detach().numpy().reshape(shape[0], -1)
        rows, cols = weight.shape
        gram = weight @ weight.T if rows <= cols else weight.T @ weight
        np.testing.assert_allclose(gram, 2.25 * np.eye(min(rows, cols)), atol=1e-5)
    sparse = init.sparse_(needl.empty(10, 4), sparsity=0.3)
    assert np.all((sparse.detach().numpy() == 0).sum(axis=0) >= 3)


def test_manual_seed_makes_initialisation_reproducible():
    needl.manual_seed(7)
    first = nn.Linear(5, 5).weight.detach().numpy().copy()
    needl.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(5, 5).weight.detach().numpy(), first)


def test_linear_default_init_bound_is_one_over_sqrt_in_features():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for values in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(values).max() <= bound
    assert np.abs(layer.weight.detach().numpy()).max() > 0.98 * bound
    assert layer.weight.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_conv_default_init_bound_uses_fan_in():
    layer = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and np.abs(layer.weight.detach().numpy()).max() > 0.95 * bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound
    transposed = nn.ConvTranspose2d(8, 16, 3)  # fan_in from weight.size(1) = 16
    bound = 1 / math.sqrt(16 * 9)
    assert np.abs(transposed.weight.detach().numpy()).max() <= bound


def test_norm_and_embedding_defaults():
    norm = nn.BatchNorm2d(4)
    assert np.all(norm.weight.detach().numpy() == 1) and np.all(norm.bias.detach().numpy() == 0)
    assert np.all(norm.running_mean.detach().numpy() == 0) and np.all(norm.running_var.detach().numpy() == 1)
    layer_norm = nn.LayerNorm((2, 3))
    assert np.all(layer_norm.weight.detach().numpy() == 1) and np.all(layer_norm.bias.detach().numpy() == 0)
    embedding = nn.Embedding(1000, 20, padding_idx=3)
    assert abs(embedding.weight.detach().numpy().std() - 1) < 0.05 and np.all(embedding.weight.detach().numpy()[3] == 0)


def test_deprecated_names_of_eye_and_dirac():
    import needl.nn.init as init
    assert init.eye is init.eye_ and init.dirac is init.dirac_
