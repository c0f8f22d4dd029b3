"""In-place ops on the tape: the written tensor moves to the op's node and gradients flow to both
the old value and what was written (the values below are PyTorch 2.13's)."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck


def leaf(*values, dtype=needl.float64):
    return needl.tensor(list(values), dtype=dtype, requires_grad=True)


def test_setitem_of_a_tensor_that_requires_grad():
    x = leaf(1.0, 2.0, 3.0)
    h = x * 2
    out = needl.zeros(3, 3, dtype=needl.float64)
    out[0] = h
    out[1] = h * h
    assert out.requires_grad and out.grad_fn is not None
    (out * out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [72.0, 528.0, 1752.0])


def test_copy_add_mul_sub_into_a_buffer():
    x = leaf(1.0, 2.0)
    out = needl.zeros(2, dtype=needl.float64)
    out.copy_(x * 3)
    (out ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 36.0])

    x = leaf(1.0, 2.0)
    h = x * 1
    out = needl.ones(2, dtype=needl.float64)
    out.add_(h)
    out.mul_(h)
    out.sub_(h)
    (out * out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 32.0])


def test_repeated_mul_keeps_each_old_value():
    h = leaf(2.0)
    out = needl.ones(1, dtype=needl.float64)
    for _ in range(3):
        out.mul_(h)
    out.sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [12.0])  # d(h^3)/dh at 2


def test_augmented_assignment_is_in_place_on_the_tape():
    x = leaf(1.0, 2.0)
    y = x * 2
    alias = y
    y += x
    assert alias is y
    alias.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("method,arguments,expected", [
    ("relu_", (), [0.0, 16.0]),
    ("clamp_", (0.0, 1.0), [0.0, 0.0]),
    ("tanh_", (), None),
    ("exp_", (), None),
    ("sigmoid_", (), None),
])
def test_unary_in_place_matches_out_of_place(method, arguments, expected):
    x = leaf(-1.0, 2.0)
    y = x * 2
    getattr(y, method)(*arguments)
    (y * y).sum().backward()
    reference = leaf(-1.0, 2.0)
    z = getattr(reference * 2, method.rstrip("_"))(*arguments)
    (z * z).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), reference.grad.numpy())
    if expected is not None:
        np.testing.assert_allclose(x.grad.numpy(), expected)


def test_masked_fill_and_fill_with_a_tensor():
    x = leaf(1.0, 2.0, 3.0)
    y = x * 2
    y.masked_fill_(needl.tensor([True, False, True]), 0.0)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 16.0, 0.0])

    s = needl.tensor(2.0, dtype=needl.float64, requires_grad=True)
    out = needl.zeros(3, dtype=needl.float64)
    out.fill_(s * 1)
    out.sum().backward()
    assert s.grad.item() == 3.0


def test_write_through_a_view_reaches_the_base():
    x = leaf(1.0, 2.0, 3.0, 4.0)
    y = x * 1
    y[1:3].mul_(10)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 400.0, 600.0, 8.0])


def test_write_through_a_transposed_view():
    x = needl.arange(6.0, dtype=needl.float64).reshape(2, 3).requires_grad_()
    y = x * 1
    y.t()[0].mul_(x[0, :2] * 0 + 5)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 2.0, 4.0], [150.0, 8.0, 10.0]])


def test_consumers_recorded_before_the_write_see_the_old_value():
    x = leaf(1.0, 2.0)
    t = x * 1
    y = t + 1           # recorded before the write: its gradient goes to t's old node
    t.mul_(3)
    (y + t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_in_place_on_a_leaf_that_requires_grad_raises():
    w = leaf(3.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0:1].mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 5.0
    with needl.no_grad():
        w.add_(1)
    assert w.item() == 4.0 and w.grad_fn is None


def test_write_to_a_non_grad_tensor_under_no_grad_is_not_recorded():
    x = needl.zeros(3)
    h = leaf(1.0, 2.0, 3.0, dtype=needl.float32)
    with needl.no_grad():
        x.copy_(h)
    assert not x.requires_grad and x.grad_fn is None
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])


def test_setitem_gradcheck_with_broadcast_and_advanced_keys():
    value = needl.tensor(np.random.default_rng(0).standard_normal(3), requires_grad=True)
    base = needl.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)

    def function(base, value):
        out = base * 1
        out[1:3] = value           # broadcast over two rows
        out[[0, 3], 1] = value[0]  # advanced indexing
        return out * out

    assert gradcheck(function, (base, value))


def test_data_writes_are_not_recorded():
    w = leaf(1.0, 2.0)
    w.data.add_(-0.5 * needl.ones(2, dtype=needl.float64))
    w.data.mul_(2)
    w.data.clamp_(-1, 2)
    w.data.fill_(0.25)
    w.data.normal_(0, 0.02)
    w.data.copy_(needl.tensor([3.0, 4.0]))
    assert w.is_leaf and w.grad_fn is None
    np.testing.assert_array_equal(w.numpy(force=True), [3.0, 4.0])
    w.data = needl.tensor([5.0, 6.0, 7.0], dtype=needl.float64)  # replaces the array, as PyTorch
    assert w.shape == (3,)


def test_expanded_tensors_cannot_be_written():
    x = needl.zeros(1).expand(3)
    with pytest.raises((RuntimeError, ValueError)):
        x.add_(1)


def test_index_put_with_and_without_accumulate():
    x, v = leaf(1.0, 2.0, 3.0), leaf(5.0, 7.0)
    y = x * 1
    y.index_put_((needl.tensor([0, 0]),), v * 2, accumulate=True)
    z = y * 1
    z.index_put_((needl.tensor([2]),), v[:1])
    (z * z).sum().backward()
    np.testing.assert_allclose(z.detach().numpy(), [25.0, 2.0, 5.0])
    np.testing.assert_allclose(x.grad.numpy(), [50.0, 4.0, 0.0])
    np.testing.assert_allclose(v.grad.numpy(), [110.0, 100.0])


def test_masked_fill_in_place_with_a_value_tensor_that_requires_grad():
    x, value = leaf(1.0, 2.0, 3.0), needl.tensor(4.0, dtype=needl.float64, requires_grad=True)
    y = x * 1
    y.masked_fill_(needl.tensor([True, False, True]), value * 2)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 4.0, 0.0])
    assert value.grad.item() == 2 * (2 * 8.0) * 2  # two filled places, d(2v)^2/dv each
