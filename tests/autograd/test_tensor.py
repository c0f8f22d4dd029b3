"""Tensor basics: creation, dtypes, repr, conversions, comparisons, in-place ops, errors."""
import numpy as np
import pytest

import needl


def test_default_dtype_is_float32_and_numpy_arrays_keep_theirs():
    assert needl.tensor([1.0, 2.0]).dtype == needl.float32
    assert needl.tensor(np.array([1.0])).dtype == needl.float64
    assert needl.tensor([1, 2]).dtype == needl.int64
    assert needl.tensor([True]).dtype == needl.bool
    for make in (needl.zeros, needl.ones, needl.rand, needl.randn, needl.empty):
        assert make(2, 3).dtype == needl.float32 and make((2, 3)).shape == (2, 3)
    assert needl.arange(5).dtype == needl.int64 and needl.arange(0.0, 1.0, 0.25).dtype == needl.float32
    needl.set_default_dtype(needl.float64)
    assert needl.tensor([1.0]).dtype == needl.float64 and needl.randn(2).dtype == needl.float64


def test_float32_stays_float32_through_scalars_and_numpy_scalars():
    x = needl.randn(4, 3, requires_grad=True)
    y = (x * np.float64(2.0) + np.float64(1.0)) / 3.0 - 1
    y = (y ** 2).mean() + y.exp().sum() * np.float32(0.1) + x.var() + x.softmax(1).sum()
    assert y.dtype == needl.float32
    y.backward()
    assert x.grad.dtype == needl.float32


def test_float64_works_everywhere():
    x = needl.randn(3, 3, dtype=needl.float64, requires_grad=True)
    y = (x @ x).tanh().log_softmax(1).sum()
    y.backward()
    assert y.dtype == needl.float64 and x.grad.dtype == needl.float64


def test_unknown_dtype_is_refused():
    with pytest.raises(TypeError, match="dtype"):
        needl.tensor([1.0], dtype="uint32")
    with pytest.raises(TypeError, match="dtype"):
        needl.zeros(2, dtype="not-a-dtype")
    with pytest.raises(TypeError):
        needl.set_default_dtype(needl.int32)


def test_repr_like_pytorch():
    assert repr(needl.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(needl.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(needl.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(needl.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward>" in repr(needl.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=needl.float64" in repr(needl.tensor([1.0], dtype=needl.float64))


def test_manual_seed_makes_random_tensors_reproducible():
    needl.manual_seed(3)
    a = needl.randn(5)
    needl.manual_seed(3)
    assert np.array_equal(a.detach().numpy(), needl.randn(5).detach().numpy())
    values = needl.randint(0, 3, (100,))
    assert values.dtype == needl.int64 and set(values.tolist()) <= {0, 1, 2}


def test_conversions():
    x = needl.tensor([[1.0, 2.0]])
    assert x.tolist() == [[1.0, 2.0]] and x[0, 1].item() == 2.0
    assert isinstance(x.numpy(), np.ndarray)
    assert x.size() == (1, 2) and x.size(1) == 2 and x.numel() == 2 and x.dim() == 2
    with pytest.raises(RuntimeError, match="requires grad"):
        needl.ones(1, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="2 elements"):
        x.item()
    assert needl.from_numpy(x.detach().numpy()).detach().numpy() is x.detach().numpy()


def test_comparisons_make_bool_tensors_off_the_tape():
    x = needl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == needl.bool and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == 2.0).tolist() == [False, True, False]


def test_in_place_ops_and_setitem_on_plain_tensors():
    x = needl.zeros(3)
    x += 1
    x *= needl.tensor([1.0, 2.0, 3.0])
    x[0] = 10.0
    assert x.tolist() == [10.0, 2.0, 3.0]
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_max_min_with_dim_return_values_and_indices():
    x = needl.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    values, indices = needl.min(x, dim=0, keepdim=True)
    assert values.tolist() == [[1.0, 0.0, 2.0]] and indices.tolist() == [[0, 1, 0]]
    assert x.argmax().item() == 3 and x.argmax(1).tolist() == [1, 0]


def test_reductions_match_numpy():
    data = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    x = needl.tensor(data)
    assert np.allclose(x.sum((0, 2)).detach().numpy(), data.sum((0, 2)), rtol=1e-5)
    assert np.allclose(x.mean(1, keepdim=True).detach().numpy(), data.mean(1, keepdims=True), rtol=1e-5)
    assert np.allclose(x.var(2).detach().numpy(), data.var(2, ddof=1), rtol=1e-4)
    assert np.allclose(x.std(2, unbiased=False).detach().numpy(), data.std(2), rtol=1e-4)


def test_shape_ops_match_numpy():
    x = needl.arange(24).reshape(2, 3, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2) and x.permute(1, 2, 0).shape == (3, 4, 2)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x[:, :1].squeeze().shape == (2, 4)
    assert x[:, :1].expand(2, 3, 4).shape == (2, 3, 4) and x.repeat(1, 2, 1).shape == (2, 6, 4)
    assert needl.cat([x, x], 1).shape == (2, 6, 4) and needl.stack([x, x]).shape == (2, 2, 3, 4)
    assert x.T.shape == (4, 3, 2)


def test_shape_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(3, 4\).*\(5,\)"):
        needl.ones(3, 4) + needl.ones(5)
    with pytest.raises(RuntimeError, match=r"3x4 and 5x2"):
        needl.ones(3, 4) @ needl.ones(5, 2)
    with pytest.raises(RuntimeError, match=r"invalid for input of size 12"):
        needl.ones(3, 4).reshape(5, 3)
    with pytest.raises(RuntimeError, match=r"\[\(2, 3\), \(2, 4\)\]"):
        needl.stack([needl.ones(2, 3), needl.ones(2, 4)])


def test_backward_errors():
    with pytest.raises(RuntimeError, match="scalar outputs.*shape \\(3,\\)"):
        (needl.ones(3, requires_grad=True) * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        needl.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (needl.ones(3, requires_grad=True) * 2).backward(needl.ones(4))


def test_numpy_functions_on_tensors_dispatch_to_needl():
    x = needl.tensor([0.5, 1.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, needl.Tensor) and y.requires_grad
    z = np.where(x.detach().numpy() > 0.7, x, 0)
    assert isinstance(z, needl.Tensor)
    (y.sum() + z.sum()).backward()
    assert np.allclose(x.grad.numpy(), np.exp(x.detach().numpy()) + [0.0, 1.0])


def test_creation_helpers():
    assert needl.full((2, 2), 3.0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert needl.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert needl.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    x = needl.randn(2, 3)
    for like in (needl.zeros_like, needl.ones_like, needl.rand_like, needl.randn_like):
        assert like(x).shape == (2, 3) and like(x).dtype == x.dtype


def test_to_casts_and_accepts_only_the_cpu():
    x = needl.ones(2)
    assert x.to("cpu") is x and x.to(needl.float64).dtype == needl.float64
    assert x.to("cpu", needl.float64).dtype == needl.float64
    assert x.to(needl.zeros(1, dtype=needl.float64)).dtype == needl.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
