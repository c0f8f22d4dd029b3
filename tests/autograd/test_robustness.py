"""Numerics, dtype promotion, edge shapes and error messages, each as PyTorch has them (issue 11),
and the creation-function defects of issue 10 (randint's overloads, device=, dtype= errors)."""
import warnings

import numpy as np
import pytest

import needl


def grad_of(function, value):
    leaf = needl.tensor(value, requires_grad=True)
    function(leaf).sum().backward()
    return leaf.grad.numpy()


# ---- numerics in float32 --------------------------------------------------------------------
def test_sigmoid_is_accurate_for_very_negative_inputs():
    x = needl.tensor([-17.0, -30.0, -80.0, 0.0, 30.0])
    exact = 1 / (1 + np.exp(-x.numpy().astype(np.float64)))
    np.testing.assert_allclose(x.sigmoid().numpy(), exact, rtol=1e-6)
    leaf = needl.tensor([-17.0, -30.0], requires_grad=True)
    log_sigmoid = leaf.sigmoid().log()
    np.testing.assert_allclose(log_sigmoid.detach().numpy(), [-17.0, -30.0], rtol=1e-6)
    log_sigmoid.sum().backward()
    assert np.all(np.isfinite(leaf.grad.numpy())) and leaf.grad.numpy() == pytest.approx([1, 1])


def test_log_softmax_exact_at_large_logits():
    logits = needl.tensor([[1e4, 1e4 + 1, 1e4 - 3]])
    shifted = np.array([-1.0, 0.0, -4.0])
    reference = shifted - np.log(np.exp(shifted).sum())
    assert np.abs(logits.log_softmax(1).numpy()[0] - reference).max() < 1e-6


def test_std_of_tiny_values_and_of_a_constant():
    tiny = needl.tensor([1e-30, 2e-30, 3e-30])
    assert tiny.std().item() == pytest.approx(1e-30, rel=1e-5)
    assert np.all(grad_of(lambda t: t.std(), np.ones(3, np.float32)) == 0)  # PyTorch's 0, not nan


def test_power_gradients_where_pytorch_is_finite():
    assert grad_of(lambda t: t ** 0, np.zeros(3, np.float32)).tolist() == [0, 0, 0]
    exponent = needl.tensor([1.0, 2.0, 0.0], requires_grad=True)
    (needl.tensor(0.0) ** exponent).sum().backward()
    assert exponent.grad.tolist() == [0, 0, 0]
    base = needl.tensor([0.0, 2.0], requires_grad=True)
    (base ** needl.tensor([0.0, 3.0])).sum().backward()
    assert base.grad.tolist() == [0, 12]


def test_var_without_degrees_of_freedom_is_nan_not_an_error():
    leaf = needl.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        value = leaf.var()
    value.backward()
    assert np.isnan(value.item()) and np.isnan(leaf.grad.item())


@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5, -1, -2, -0.5, 4, 2.5, 7.0, 0])
def test_pow_fast_paths_agree_with_numpy(exponent):
    data = np.random.default_rng(0).standard_normal(1000).astype(np.float32) * 3
    if exponent in (0.5, -0.5, 2.5):
        data = np.abs(data) + 0.1
    got = needl.pow(needl.tensor(data), exponent)
    assert got.dtype == needl.float32
    np.testing.assert_allclose(got.numpy(), np.power(data.astype(np.float64), exponent), rtol=2e-6)
    grad = grad_of(lambda t: t ** exponent, data)
    np.testing.assert_allclose(grad, exponent * np.power(data.astype(np.float64), exponent - 1), rtol=2e-5)


def test_fractional_power_of_negative_bases_is_nan_as_in_numpy():
    data = np.array([-2.0, -0.0, 0.0, 3.0, -np.inf, np.inf, np.nan], np.float32)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(needl.tensor(data).pow(2.5).numpy(), np.power(data, 2.5))
        np.testing.assert_array_equal(needl.tensor(data).pow(3.0).numpy(), np.power(data, 3.0))


# ---- dtype promotion as PyTorch's ---------------------------------------------------------
@pytest.mark.parametrize("expression", [
    lambda x: np.float64(2.0) * x, lambda x: x * np.float64(2.0), lambda x: x + needl.tensor(2.0, dtype=needl.float64),
    lambda x: x * needl.tensor([1, 2, 3]), lambda x: needl.tensor(1.5, dtype=needl.float64) - x,
    lambda x: needl.where(x > 0, x, needl.tensor(0.0, dtype=needl.float64)), lambda x: needl.maximum(x, needl.tensor(0.5, dtype=needl.float64)),
    lambda x: x ** needl.tensor(2.0, dtype=needl.float64),
])
def test_float32_graph_stays_float32(expression):
    leaf = needl.ones(3, requires_grad=True)
    out = expression(leaf)
    assert out.dtype == needl.float32
    out.sum().backward()
    assert leaf.grad.dtype == needl.float32


def test_integer_operands_use_the_default_float_dtype():
    integers = needl.tensor([1, 2, 3])
    assert (integers * 2.5).dtype == needl.float32
    assert (integers / integers).dtype == needl.float32 and (integers / 2).dtype == needl.float32
    assert (integers + 1).dtype == needl.int64 and (integers // 2).dtype == needl.int64
    assert (needl.tensor([1, 2], dtype=needl.int32) + needl.tensor(3)).dtype == needl.int32
    assert (needl.tensor([1], dtype=needl.uint8) + needl.tensor([1], dtype=needl.int8)).dtype == needl.int16
    assert (needl.tensor([True]) + 1).dtype == needl.int64
    assert (needl.tensor([1.0], dtype=needl.float16) + needl.tensor(1.0)).dtype == needl.float16
    needl.set_default_dtype(needl.float64)
    assert (integers * 2.5).dtype == needl.float64


def test_softmax_of_integers_and_mixed_matmul_raise_as_pytorch():
    with pytest.raises(NotImplementedError, match="floating point"):
        needl.tensor([1, 2, 3]).softmax(0)
    assert needl.tensor([1, 2, 3]).softmax(0, dtype=needl.float32).dtype == needl.float32
    with pytest.raises(RuntimeError, match="same dtype"):
        needl.ones(2, 3) @ needl.ones(3, 2, dtype=needl.float64)


# ---- accepted where PyTorch raises --------------------------------------------------------
def test_out_of_range_shape_arguments_raise():
    with pytest.raises(IndexError, match=r"flatten.*\[-2, 1\].*5"):
        needl.zeros(2, 3).flatten(0, 5)
    with pytest.raises(RuntimeError, match="leading, non-existing dimension"):
        needl.zeros(3).expand(-1, 3)
    with pytest.raises(RuntimeError, match="chunks must be an int greater than 0"):
        needl.zeros(3).chunk(-1)
    with pytest.raises(RuntimeError, match="use .reshape|Use .reshape"):
        needl.zeros(2, 3).t().view(6)


def test_masked_fill_value_must_be_0d():
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        needl.zeros(2).masked_fill(needl.tensor([True, False]), needl.tensor([1.0]))
    value = needl.tensor(3.0, requires_grad=True)
    needl.zeros(2).masked_fill(needl.tensor([True, False]), value).sum().backward()
    assert value.grad.item() == 1


# ---- working where PyTorch works ----------------------------------------------------------
@pytest.mark.parametrize("dim", [0, -1])
def test_reductions_over_dim_0_of_a_0d_tensor(dim):
    scalar = needl.tensor(3.0, requires_grad=True)
    for name in ("sum", "mean", "amax", "amin", "squeeze", "logsumexp", "softmax", "cumsum", "prod"):
        result = getattr(scalar, name)(dim)
        assert result.shape == () and result.item() == pytest.approx(3.0 if name != "softmax" else 1.0)
    assert scalar.max(dim).values.item() == 3 and scalar.min(dim).indices.item() == 0
    assert scalar.sum(dim, keepdim=True).shape == ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(scalar.var(dim).item()) and np.isnan(scalar.std(dim).item())
    (scalar.amax(dim) + scalar.amin(dim) + scalar.max(dim).values).backward()
    assert scalar.grad.item() == 3
    with pytest.raises(IndexError, match=r"\[-1, 0\]"):
        scalar.sum(1)


def test_empty_dim_reduce_all_and_argmax_keepdim():
    t = needl.arange(6.0).reshape(2, 3)
    for name in ("sum", "mean", "amax", "amin"):
        assert getattr(t, name)(dim=()).shape == ()
    assert t.sum(dim=[]).item() == 15
    assert t.argmax(keepdim=True).shape == (1, 1) and t.argmax(keepdim=True).item() == 5


def test_size_zero_cases():
    assert needl.zeros(2, 0).softmax(1).shape == (2, 0) and needl.zeros(2, 0).log_softmax(1).shape == (2, 0)
    assert [c.shape for c in needl.zeros(0).chunk(2)] == [(0,), (0,)]
    assert needl.zeros(2, 3, 0).flatten(0, 1).shape == (6, 0)
    assert needl.zeros(3)[[]].shape == (0,)
    a = needl.zeros(0, 3, 4, requires_grad=True)
    b = needl.zeros(4, 5, requires_grad=True)
    (a @ b).sum().backward()
    assert b.grad.shape == (4, 5) and a.grad.shape == (0, 3, 4)
    c, d = needl.zeros(2, 0, requires_grad=True), needl.zeros(0, 5, requires_grad=True)
    (c @ d).sum().backward()
    assert d.grad.shape == (0, 5)
    assert np.isnan(needl.zeros(0).mean().item())
    assert [piece.shape for piece in needl.zeros(0).split(0)] == [(0,)]


# ---- messages that name the op, the argument and the valid range --------------------------
def test_error_messages():
    with pytest.raises(IndexError, match=r"squeeze.*\[-1, 0\].*3"):
        needl.zeros(3).squeeze(3)
    with pytest.raises(IndexError, match=r"split.*\[-1, 0\].*2"):
        needl.zeros(3).split(1, 2)
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        needl.zeros(3).split(0)
    with pytest.raises(RuntimeError, match="chunks must be an int greater than 0, got 0"):
        needl.zeros(3).chunk(0)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        needl.arange(0, 5, 0)
    with pytest.raises(IndexError, match=r"cat.*\[-1, 0\].*1"):
        needl.cat([needl.zeros(3), needl.zeros(3)], dim=1)
    with pytest.raises(IndexError, match=r"topk|index"):
        needl.zeros(3).select(0, 5)
    with pytest.raises(RuntimeError, match="topk: k"):
        needl.zeros(3).topk(4)


# ---- creation: randint's overloads, device=, dtype= ----------------------------------------
def test_randint_overloads():
    assert needl.randint(10, (2, 3)).shape == (2, 3)
    assert needl.randint(5, 10, (100,)).min().item() >= 5
    assert needl.randint(3, size=(4,)).max().item() < 3
    assert needl.randint(low=2, high=4, size=(50,)).min().item() >= 2
    assert needl.randint(0, 10, needl.Size([2, 2])).dtype == needl.int64
    assert needl.randint(10, (3,), dtype=needl.float32).dtype == needl.float32
    like = needl.randint_like(needl.zeros(2, 3), 5)
    assert like.shape == (2, 3) and like.dtype == needl.float32 and like.max().item() < 5
    assert needl.randint_like(needl.zeros(4, dtype=needl.int64), 3, 6).min().item() >= 3
    with pytest.raises(TypeError, match="size"):
        needl.randint(10)
    with pytest.raises(RuntimeError, match="from"):
        needl.randint(5, 5, (2,))


CREATION = [
    lambda d: needl.tensor([1.0], device=d), lambda d: needl.zeros(2, device=d), lambda d: needl.ones(2, device=d),
    lambda d: needl.empty(2, device=d), lambda d: needl.full((2,), 1.0, device=d), lambda d: needl.arange(3, device=d),
    lambda d: needl.linspace(0, 1, 3, device=d), lambda d: needl.logspace(0, 1, 3, device=d),
    lambda d: needl.eye(2, device=d), lambda d: needl.rand(2, device=d), lambda d: needl.randn(2, device=d),
    lambda d: needl.randint(3, (2,), device=d), lambda d: needl.randperm(3, device=d),
    lambda d: needl.zeros_like(needl.zeros(1), device=d), lambda d: needl.ones_like(needl.zeros(1), device=d),
    lambda d: needl.empty_like(needl.zeros(1), device=d), lambda d: needl.full_like(needl.zeros(1), 2, device=d),
    lambda d: needl.rand_like(needl.zeros(1), device=d), lambda d: needl.randn_like(needl.zeros(1), device=d),
    lambda d: needl.randint_like(needl.zeros(1), 3, device=d), lambda d: needl.normal(0.0, 1.0, (2,), device=d),
    lambda d: needl.tril_indices(3, 3, device=d), lambda d: needl.triu_indices(3, 3, device=d),
    lambda d: needl.as_tensor([1.0], device=d), lambda d: needl.scalar_tensor(1.0, device=d),
    lambda d: needl.zeros(1).new_zeros(2, device=d), lambda d: needl.zeros(1).new_tensor([1], device=d),
]


@pytest.mark.parametrize("index", range(len(CREATION)))
def test_device_keyword_on_creation_functions(index):
    device_type = needl.device if callable(needl.device) else needl.device.device  # the class, or its module
    for device in (None, "cpu", "cpu:0", device_type("cpu")):
        assert isinstance(CREATION[index](device), needl.Tensor)
    with pytest.raises(RuntimeError, match="CPU"):
        CREATION[index]("cuda")


@pytest.mark.parametrize("function", [
    lambda: needl.zeros(2, dtype="flaot32"), lambda: needl.ones(2, dtype=5), lambda: needl.tensor([1], dtype=object),
    lambda: needl.arange(3, dtype="nope"), lambda: needl.randint(3, (2,), dtype="x"),
])
def test_wrong_dtype_is_a_clear_error(function):
    with pytest.raises(TypeError, match="dtype"):
        function()


def test_sampling_functions():
    assert needl.normal(needl.zeros(1000), 2.0).std().item() == pytest.approx(2, rel=0.15)
    assert needl.normal(3.0, needl.ones(2, 2)).shape == (2, 2)
    coins = needl.bernoulli(needl.full((2000,), 0.25))
    assert coins.dtype == needl.float32 and coins.mean().item() == pytest.approx(0.25, abs=0.05)
    assert needl.poisson(needl.full((1000,), 4.0)).mean().item() == pytest.approx(4, rel=0.15)
    weights = needl.tensor([[0.0, 1.0, 3.0], [1.0, 1.0, 0.0]])
    draws = needl.multinomial(weights, 2)
    assert draws.shape == (2, 2) and sorted(draws[0].tolist()) == [1, 2]
    many = needl.multinomial(needl.tensor([1.0, 3.0]), 4000, replacement=True)
    assert many.float().mean().item() == pytest.approx(0.75, abs=0.05)
    with pytest.raises(RuntimeError, match="without replacement"):
        needl.multinomial(needl.tensor([1.0, 1.0]), 3)
    generator = needl.Generator().manual_seed(3)
    first = needl.rand(3, generator=generator)
    assert needl.rand(3, generator=needl.Generator().manual_seed(3)).tolist() == first.tolist()
