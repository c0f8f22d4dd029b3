"""Lazy layers: uninitialised parameters until the first call, then the regular layer with PyTorch's
shapes and initialisation; optimizers built before the first call; state_dict loading; dtypes."""
import copy

import numpy as np
import pytest

import needl
import needl.nn as nn

CASES = [
    (lambda: nn.LazyLinear(4), (2, 3, 5), nn.Linear, {"weight": (4, 5), "bias": (4,)}),
    (lambda: nn.LazyConv1d(4, 3), (2, 3, 8), nn.Conv1d, {"weight": (4, 3, 3), "bias": (4,)}),
    (lambda: nn.LazyConv2d(4, 3, groups=2, bias=False), (2, 6, 5, 5), nn.Conv2d, {"weight": (4, 3, 3, 3)}),
    (lambda: nn.LazyConv3d(2, 2), (3, 4, 4, 4), nn.Conv3d, {"weight": (2, 3, 2, 2, 2), "bias": (2,)}),
    (lambda: nn.LazyConvTranspose1d(4, 3), (2, 3, 5), nn.ConvTranspose1d, {"weight": (3, 4, 3)}),
    (lambda: nn.LazyConvTranspose2d(4, 3, stride=2), (1, 3, 4, 4), nn.ConvTranspose2d, {"weight": (3, 4, 3, 3)}),
    (lambda: nn.LazyConvTranspose3d(4, 2), (1, 3, 2, 2, 2), nn.ConvTranspose3d, {"weight": (3, 4, 2, 2, 2)}),
    (lambda: nn.LazyBatchNorm1d(), (4, 3), nn.BatchNorm1d, {"weight": (3,), "running_mean": (3,)}),
    (lambda: nn.LazyBatchNorm2d(), (2, 3, 4, 4), nn.BatchNorm2d, {"weight": (3,), "running_var": (3,)}),
    (lambda: nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 2, 2), nn.BatchNorm3d, {"running_mean": (3,)}),
    (lambda: nn.LazyInstanceNorm1d(affine=True), (2, 3, 6), nn.InstanceNorm1d, {"weight": (3,)}),
    (lambda: nn.LazyInstanceNorm2d(track_running_stats=True), (3, 4, 4), nn.InstanceNorm2d, {"running_mean": (3,)}),
    (lambda: nn.LazyInstanceNorm3d(affine=True), (1, 3, 2, 2, 2), nn.InstanceNorm3d, {"bias": (3,)}),
]


@pytest.mark.parametrize("build, shape, regular, expected", CASES)
def test_first_call_materialises_and_becomes_the_regular_layer(build, shape, regular, expected):
    layer = build()
    assert isinstance(layer, nn.LazyModuleMixin) and layer.has_uninitialized_params()
    assert all(isinstance(p, nn.UninitializedParameter) for p in layer.parameters())
    waiting = [*layer.parameters(), *(b for b in layer.buffers() if isinstance(b, nn.UninitializedBuffer))]
    with pytest.raises(RuntimeError, match="uninitialized"):
        waiting[0].shape
    output = layer(needl.randn(*shape))
    assert type(layer) is regular and output.dtype == np.float32
    for name, size in expected.items():
        tensor = getattr(layer, name)
        assert tensor.shape == size and type(tensor) in (nn.Parameter, needl.Tensor)
        assert np.all(np.isfinite(tensor.detach().numpy()))
    assert repr(layer).startswith(regular.__name__ + "(")
    layer(needl.randn(*shape))  # later calls are ordinary calls


def test_initialisation_follows_the_regular_layer():
    linear = nn.LazyLinear(50)
    linear(needl.randn(2, 400))
    bound = 1 / np.sqrt(400)
    assert np.abs(linear.weight.detach().numpy()).max() <= bound and linear.weight.detach().numpy().std() > bound / 3
    norm = nn.LazyBatchNorm1d()
    norm(needl.randn(4, 3))
    np.testing.assert_array_equal(norm.weight.detach().numpy(), 1)
    assert norm.num_batches_tracked.item() == 1


def test_optimizer_built_before_the_first_call_trains_the_parameters():
    model = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(1))
    optimizer = needl.optim.Adam(model.parameters(), lr=0.1)
    x, y = needl.randn(8, 5), needl.randn(8, 1)
    first = nn.functional.mse_loss(model(x), y)
    for _ in range(20):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < first.item()
    assert [p.shape for p in model.parameters()] == [(3, 5), (3,), (1, 3), (1,)]


def test_load_state_dict_gives_shapes_and_deepcopy_and_dtype():
    source = nn.Conv2d(3, 4, 3)
    lazy = nn.LazyConv2d(4, 3)
    clone = copy.deepcopy(lazy)
    lazy.load_state_dict(source.state_dict())
    assert lazy.in_channels == 3 and lazy.weight.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    image = needl.randn(1, 3, 5, 5)
    np.testing.assert_array_equal(lazy(image).detach().numpy(), source(image).detach().numpy())
    assert isinstance(clone.weight, nn.UninitializedParameter)
    double = nn.LazyLinear(2, dtype=needl.float64)
    assert double(needl.randn(3, 4).double()).dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.LazyLinear(2, device="cuda")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(needl.randn(1, 3, 5, 5))


def test_repr_before_the_first_call_matches_pytorch():
    assert repr(nn.LazyLinear(3)) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert repr(nn.LazyConv2d(4, 3, padding=1)) == "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
