"""pad: PyTorch's last-dimension-first order, every mode, finite-difference gradients, errors."""
import numpy as np
import pytest

import needl
from needl.autograd import Tensor, gradcheck
from needl.autograd.ops.pad import pad


def leaf(*shape):
    return Tensor(needl.autograd.random.generator().standard_normal(shape), requires_grad=True)


MODES = ["constant", "reflect", "replicate", "circular"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,padding", [((2, 5), (2, 1)), ((2, 3, 4), (1, 2, 2, 0)),
                                           ((1, 2, 3, 4), (3, 1, 2, 2)), ((1, 1, 3, 3, 4), (1, 2, 0, 1, 2, 1))])
def test_pad_gradcheck_and_shape(mode, shape, padding):
    x = leaf(*shape)
    out = pad(x, padding, mode=mode)
    expected = list(shape)
    for i in range(len(padding) // 2):
        expected[-1 - i] += padding[2 * i] + padding[2 * i + 1]
    assert out.shape == tuple(expected)
    assert gradcheck(lambda a: pad(a, padding, mode=mode), (x,))


def test_pad_values_of_each_mode_along_the_last_dimension():
    x = Tensor(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(pad(x, (2, 1), value=9.0).detach().numpy(), [[9, 9, 1, 2, 3, 9]])
    np.testing.assert_array_equal(pad(x, (2, 1), mode="reflect").detach().numpy(), [[3, 2, 1, 2, 3, 2]])
    np.testing.assert_array_equal(pad(x, (2, 1), mode="replicate").detach().numpy(), [[1, 1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(pad(x, (2, 1), mode="circular").detach().numpy(), [[2, 3, 1, 2, 3, 1]])


def test_pad_order_is_last_dimension_first():
    x = Tensor(np.ones((2, 3)))
    assert pad(x, (1, 0, 0, 2)).shape == (4, 4)
    np.testing.assert_array_equal(pad(x, (1, 0, 0, 2)).detach().numpy()[:, 0], 0)


def test_negative_constant_padding_crops():
    x = leaf(3, 5)
    out = pad(x, (-1, 2, 1, -2))
    np.testing.assert_array_equal(out.detach().numpy()[1:, :4], x.detach().numpy()[:1, 1:])
    assert out.shape == (2, 6)
    assert gradcheck(lambda a: pad(a, (-1, 2, 1, -2)), (x,))


def test_pad_keeps_float32():
    x = needl.randn(2, 3, requires_grad=True)
    out = pad(x, (1, 1), value=0.5)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32


@pytest.mark.parametrize("call,message", [
    (lambda: pad(leaf(2, 3), (1,)), "even number"),
    (lambda: pad(leaf(3), (1, 1, 1, 1)), r"input of shape \[3\] has only 1"),
    (lambda: pad(leaf(1, 2, 3), (3, 0), mode="reflect"), r"smaller than its size, input of shape \[1, 2, 3\]"),
    (lambda: pad(leaf(1, 2, 3), (4, 0), mode="circular"), r"at most its size, input of shape \[1, 2, 3\]"),
    (lambda: pad(leaf(2, 3), (1, 1), mode="wrap"), "mode must be"),
    (lambda: pad(leaf(2, 3), (1, -1), mode="reflect"), "negative"),
    (lambda: pad(leaf(4), (1, 1), mode="replicate"), r"needs a 2-D or 3-D input, got input of shape \[4\]"),
])
def test_bad_input_raises_an_error_naming_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("mode", MODES)
def test_pad_matches_pytorch(mode):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    grad = np.random.default_rng(3).standard_normal((2, 3, 7, 8))
    x = Tensor(data, requires_grad=True)
    pad(x, (2, 1, 1, 2), mode=mode).backward(Tensor(grad))
    tx = torch.tensor(data, requires_grad=True)
    expected = torch.nn.functional.pad(tx, (2, 1, 1, 2), mode=mode)
    expected.backward(torch.tensor(grad))
    np.testing.assert_allclose(pad(Tensor(data), (2, 1, 1, 2), mode=mode).detach().numpy(), expected.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("mode", MODES)
def test_second_order_gradients(mode):
    from needl.autograd import gradgradcheck
    assert gradgradcheck(lambda a: pad(a, (2, 1, 1, 0), mode=mode) ** 2, (leaf(1, 2, 3, 4),))
