"""Batch, layer, group and instance norm: gradchecks, running statistics, train/eval, names, errors."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck


def leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape) * 2 + 1, requires_grad=True)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 2, 2)])
def test_batch_norm_training_gradcheck(shape):
    weight, bias = leaf(3, seed=1), leaf(3, seed=2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (leaf(*shape), weight, bias))
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (leaf(*shape),))


def test_batch_norm_keeps_channels_last_memory_and_float32_accuracy():
    # a conv's channels-last output stays channels-last through batch norm, forward and backward
    data = np.random.default_rng(0).standard_normal((4, 6, 5, 3)) * 3 + 20  # mean far from 0
    x = needl.tensor(data).permute(0, 3, 1, 2)
    x.requires_grad_(True)
    weight, bias = leaf(3, seed=1), leaf(3, seed=2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, weight, bias))
    output = F.batch_norm(x, None, None, weight, bias, training=True)
    assert np.moveaxis(output.detach().numpy(), 1, -1).flags.c_contiguous
    upstream = needl.tensor(np.random.default_rng(3).standard_normal((4, 6, 5, 3))).permute(0, 3, 1, 2)
    output.backward(upstream)
    assert np.moveaxis(x.grad.numpy(), 1, -1).flags.c_contiguous
    low = [needl.tensor(t.detach().numpy().astype(np.float32), requires_grad=True) for t in (x, weight, bias)]
    low_output = F.batch_norm(low[0], None, None, low[1], low[2], training=True)
    low_output.backward(needl.tensor(upstream.numpy().astype(np.float32)))
    assert low_output.dtype == np.float32
    np.testing.assert_allclose(low_output.detach().numpy(), output.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(low, (x, weight, bias)):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_batch_norm_eval_gradcheck():
    running_mean = needl.tensor(np.array([0.1, -0.2, 0.3]))
    running_var = needl.tensor(np.array([1.5, 0.5, 2.0]))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b, training=False),
                     (leaf(4, 3, 2), leaf(3, seed=1), leaf(3, seed=2)))


def test_batch_norm_normalises_and_updates_running_statistics():
    layer = nn.BatchNorm1d(3, momentum=0.2)
    x = needl.tensor(np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32) * 3 + 2)
    out = layer(x)
    np.testing.assert_allclose(out.detach().numpy().mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.detach().numpy().var(0), 1, atol=1e-3)
    np.testing.assert_allclose(layer.running_mean.detach().numpy(), 0.2 * x.detach().numpy().mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.detach().numpy(), 0.8 + 0.2 * x.detach().numpy().var(0, ddof=1), rtol=1e-5)
    assert layer.num_batches_tracked.item() == 1 and out.dtype == np.float32


def test_batch_norm_eval_uses_running_statistics():
    layer = nn.BatchNorm2d(2)
    layer.running_mean.data[...] = [1.0, -1.0]
    layer.running_var.data[...] = [4.0, 0.25]
    layer.eval()
    x = needl.randn(3, 2, 2, 2)
    expected = (x.detach().numpy() - np.array([1.0, -1.0]).reshape(1, 2, 1, 1)) / np.sqrt(
        np.array([4.0, 0.25]).reshape(1, 2, 1, 1) + 1e-5)
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-5)
    assert layer.num_batches_tracked.item() == 0
    # train and eval differ
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), expected)


def test_batch_norm_cumulative_average_when_momentum_is_none():
    layer = nn.BatchNorm1d(2, momentum=None)
    batches = [needl.randn(4, 2) for _ in range(3)]
    for batch in batches:
        layer(batch)
    np.testing.assert_allclose(layer.running_mean.detach().numpy(), np.mean([b.detach().numpy().mean(0) for b in batches], 0), rtol=1e-5)


def test_batch_norm_without_tracking_uses_batch_statistics_in_eval():
    layer = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert layer.running_mean is None and list(layer.state_dict()) == ["weight", "bias"]
    out = layer(needl.randn(6, 2))
    np.testing.assert_allclose(out.detach().numpy().mean(0), 0, atol=1e-5)


def test_batch_norm_names_shapes_and_repr():
    layer = nn.BatchNorm2d(4)
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == [
        ("weight", (4,)), ("bias", (4,)), ("running_mean", (4,)), ("running_var", (4,)), ("num_batches_tracked", ())]
    assert repr(layer) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert list(nn.BatchNorm1d(2, affine=False).state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input"):
        nn.BatchNorm2d(3)(needl.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected input with 3 channels in dim 1, got input of shape \(2, 4\)"):
        nn.BatchNorm1d(3)(needl.randn(2, 4))
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(needl.randn(1, 3))
    assert layer.num_batches_tracked.item() == 0


@pytest.mark.parametrize("normalized_shape", [(4,), (3, 4)])
def test_layer_norm_gradcheck(normalized_shape):
    weight, bias = leaf(*normalized_shape, seed=1), leaf(*normalized_shape, seed=2)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b), (leaf(2, 3, 4), weight, bias))
    assert gradcheck(lambda x: F.layer_norm(x, normalized_shape), (leaf(2, 3, 4),))


def test_layer_norm_weight_or_bias_alone_float32_and_a_stride_0_upstream():
    x, weight, bias = leaf(2, 3, 4), leaf(4, seed=1), leaf(4, seed=2)
    assert gradcheck(lambda x, w: F.layer_norm(x, (4,), w), (x, weight))
    assert gradcheck(lambda x, b: F.layer_norm(x, (4,), None, b), (x, bias))
    single = [needl.tensor(t.detach().numpy().astype(np.float32), requires_grad=True) for t in (x, weight, bias)]
    F.layer_norm(single[0], (4,), single[1], single[2]).sum().backward()  # the sum's gradient has stride 0
    F.layer_norm(x, (4,), weight, bias).sum().backward()
    for low, high in zip(single, (x, weight, bias)):
        assert low.grad.dtype == np.float32
        np.testing.assert_allclose(low.grad.numpy(), high.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.fixture
def small_blocks(monkeypatch):
    """Row blocks of a few elements and channels-last sums in chunks of 4 rows, so that small
    inputs cross block and chunk boundaries (a ragged last block included)."""
    from needl.nn.functional import normalization
    monkeypatch.setattr(normalization, "BLOCK", 10)
    monkeypatch.setattr(normalization, "_CHUNK", 4)


@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, True), (False, False)])
def test_layer_norm_across_row_blocks(small_blocks, affine):
    weight = leaf(4, seed=1) if affine[0] else None
    bias = leaf(4, seed=2) if affine[1] else None
    parameters = tuple(p for p in (weight, bias) if p is not None)

    def function(x, *parameters):
        given = iter(parameters)
        return F.layer_norm(x, (4,), next(given) if affine[0] else None, next(given) if affine[1] else None)
    assert gradcheck(function, (leaf(7, 4),) + parameters)  # blocks of 2 rows, the last of 1
    # a strided (transposed) input and a stride-0 upstream gradient
    x = needl.tensor(np.random.default_rng(3).standard_normal((4, 5)) * 3 + 10).T
    x.requires_grad_(True)
    assert gradcheck(function, (x,) + parameters)
    function(x, *parameters).sum().backward()  # the sum's gradient has stride 0
    strided = x.grad.numpy().copy()
    x.grad = None
    function(x, *parameters).backward(needl.ones(5, 4, dtype=needl.float64))
    np.testing.assert_allclose(strided, x.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels_last", [False, True])
def test_batch_norm_across_row_blocks_and_chunks(small_blocks, channels_last):
    data = np.random.default_rng(0).standard_normal((3, 2, 3, 3)) * 2 + 5  # 27 rows channels-last
    x = needl.tensor(np.ascontiguousarray(data.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2) if channels_last \
        else needl.tensor(data)
    x.requires_grad_(True)
    weight, bias = leaf(2, seed=1), leaf(2, seed=2)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, weight, bias))
    output = F.batch_norm(x, None, None, weight, bias, training=True)
    output.backward(needl.tensor(np.random.default_rng(4).standard_normal(data.shape)))
    assert np.moveaxis(x.grad.numpy(), 1, -1).flags.c_contiguous == channels_last


def test_layer_and_batch_norm_float32_against_float64_over_many_blocks():
    """Inputs of several L2 blocks with a mean far from 0: float32 stays float32 and close to float64."""
    rng = np.random.default_rng(5)
    def channels_last_batch_norm(x, w, b):  # the same values, channels as the last memory axis
        return F.batch_norm(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), None, None, w, b, training=True)
    cases = [(lambda x, w, b: F.layer_norm(x, (96,), w, b), (700, 96), 96),
             (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (40, 12, 9, 9), 12),
             (channels_last_batch_norm, (40, 12, 9, 9), 12)]
    for function, shape, width in cases:
        arrays = [rng.standard_normal(shape) * 3 + 50, rng.standard_normal(width), rng.standard_normal(width)]
        upstream = rng.standard_normal(shape)
        results = {}
        for dtype in (np.float32, np.float64):
            inputs = [needl.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
            output = function(*inputs)
            output.backward(needl.tensor(upstream.astype(dtype)))
            results[dtype] = [output.detach().numpy()] + [t.grad.numpy() for t in inputs]
        for low, high in zip(results[np.float32], results[np.float64]):
            assert low.dtype == np.float32
            np.testing.assert_allclose(low, high, rtol=1e-3, atol=2e-4 * np.abs(high).max())


def test_layer_norm_module_values_names_and_errors():
    layer = nn.LayerNorm(4)
    x = needl.randn(3, 4)
    out = layer(x).detach().numpy()
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out.var(-1), 1, atol=1e-3)
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == [("weight", (4,)), ("bias", (4,))]
    assert repr(layer) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\], expected input with shape \[\*, 4\], but got "
                                           r"input of size \[3, 5\]"):
        layer(needl.randn(3, 5))


def test_group_norm_gradcheck_and_module():
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (leaf(2, 4, 3), leaf(4, seed=1), leaf(4, seed=2)))
    layer = nn.GroupNorm(2, 4)
    x = needl.randn(3, 4, 5)
    grouped = layer(x).detach().numpy().reshape(3, 2, -1)
    np.testing.assert_allclose(grouped.mean(-1), 0, atol=1e-6)
    assert repr(layer) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 4, \*\), got \(3, 5, 2\)"):
        layer(needl.randn(3, 5, 2))


def test_instance_norm():
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (leaf(2, 3, 4), leaf(3, seed=1),
                                                                          leaf(3, seed=2)))
    layer = nn.InstanceNorm2d(3)
    assert list(layer.state_dict()) == []
    out = layer(needl.randn(2, 3, 4, 4)).detach().numpy()
    np.testing.assert_allclose(out.mean((2, 3)), 0, atol=1e-6)
    tracked = nn.InstanceNorm1d(2, track_running_stats=True)
    tracked(needl.randn(3, 2, 5) + 4)
    assert np.all(tracked.running_mean.detach().numpy() > 0.2)


def test_normalize():
    x = leaf(3, 4)
    assert gradcheck(lambda t: F.normalize(t, dim=1), (x,))
    np.testing.assert_allclose(np.linalg.norm(F.normalize(x.detach(), dim=1).detach().numpy(), axis=1), 1)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_normalize_zero_row_has_finite_gradient(p):
    """A zero row's norm is clamped to eps, so its gradient is 1/eps, as PyTorch's (not NaN)."""
    x = needl.zeros(2, 3, requires_grad=True)
    F.normalize(x, p=p, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1e12, rtol=1e-6)


@pytest.mark.parametrize("layer_name", ["BatchNorm2d", "LayerNorm", "GroupNorm"])
def test_matches_pytorch(layer_name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 6, 3, 3))
    arguments = {"BatchNorm2d": (6,), "LayerNorm": ((3, 3),), "GroupNorm": (3, 6)}[layer_name]
    mine = getattr(nn, layer_name)(*arguments).double()
    theirs = getattr(torch.nn, layer_name)(*arguments).double()
    for parameter in theirs.parameters():
        parameter.data.uniform_(0.5, 1.5)
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    a, b = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (mine(a) ** 3).sum().backward()
    (theirs(b) ** 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, err_msg=name)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[name].detach().numpy(), value.numpy(), rtol=1e-12, err_msg=name)
