"""Version counters: writing in place an array that a recorded op saved makes backward raise
PyTorch's error instead of giving a wrong gradient."""
import numpy as np
import pytest

import needl

MODIFIED = "modified by an inplace operation"


def leaf(*values):
    return needl.tensor(list(values), dtype=needl.float64, requires_grad=True)


def test_writing_a_saved_input_raises_with_shape_and_versions():
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    y = (x * w).sum()
    with needl.no_grad():
        w[0] = 100
    with pytest.raises(RuntimeError, match=MODIFIED) as error:
        y.backward()
    message = str(error.value)
    assert "MulBackward" in message and "[2]" in message
    assert "is at version 1; expected version 0" in message


def test_writing_a_saved_output_raises():
    x = leaf(1.0, 2.0)
    h = x.exp()           # exp's gradient reads its output
    with needl.no_grad():
        h.mul_(0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        h.sum().backward()


def test_writing_through_a_detached_view_raises():
    x = leaf(1.0, 2.0)
    y = x.sigmoid()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_optimizer_step_between_forward_and_backward_raises():
    w = leaf(3.0)
    optimizer = needl.optim.SGD([w], lr=1.0)
    y = (w * w).sum()
    w.grad = needl.tensor([1.0], dtype=needl.float64)
    optimizer.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_writes_an_op_does_not_read_are_allowed():
    x = leaf(1.0, 2.0)
    t = x * 1
    y = t + 1            # add's gradient reads neither input
    with needl.no_grad():
        t.mul_(5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])

    x = leaf(1.0, 2.0, 3.0)
    y = x * 1
    view = y[1:]         # indexing reads only the base's shape
    view.mul_(10)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 400.0, 600.0])


def test_versions_are_shared_by_views_and_count_writes():
    x = needl.zeros(3)
    view = x[1:]
    assert x._version == 0
    view.add_(1)
    x.mul_(2)
    x[0] = 5
    assert x._version == view._version == 3
    assert x.detach()._version == 3
    assert x.data._version == 0  # .data is not tracked, as in PyTorch


@pytest.mark.parametrize("write", [
    lambda t: t.add_(1), lambda t: t.sub_(1), lambda t: t.mul_(2), lambda t: t.div_(2),
    lambda t: t.pow_(2), lambda t: t.clamp_(0, 1), lambda t: t.fill_(0), lambda t: t.zero_(),
    lambda t: t.copy_(needl.zeros(2, dtype=needl.float64)), lambda t: t.normal_(),
    lambda t: t.uniform_(), lambda t: t.masked_fill_(needl.tensor([True, False]), 0.0),
    lambda t: t.__setitem__(0, 1.0), lambda t: t.exp_(), lambda t: t.relu_(),
])
def test_every_in_place_family_bumps_the_version(write):
    x, w = leaf(1.0, 2.0), leaf(0.5, 0.25)
    y = (x * w).sum()
    with needl.no_grad():
        write(w)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_saved_tensors_of_a_function_are_checked():
    class Square(needl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 2 * x * grad

    x = leaf(1.0, 2.0)
    y = x * 1
    z = Square.apply(y)
    with needl.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED):
        z.sum().backward()


@pytest.mark.parametrize("name, function", [
    ("sum", lambda h: h.sum()), ("mean", lambda h: h.mean()), ("cumsum", lambda h: h.cumsum(0).sum()),
    ("cat", lambda h: needl.cat([h, h]).sum()), ("stack", lambda h: needl.stack([h, h]).sum()),
    ("scatter_add", lambda h: h.scatter_add(0, needl.tensor([0, 0]), h[:2].detach()).sum()),
])
def test_ops_that_read_only_shapes_allow_writing_their_input(name, function):
    """PyTorch saves no input for these, so writing it in place before backward is allowed."""
    x = needl.ones(3, requires_grad=True)
    h = x * 2
    loss = function(h)
    with needl.no_grad():
        h.add_(1)
    loss.backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.numpy()))
