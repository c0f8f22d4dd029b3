"""Tensor hooks: register_hook (may replace the gradient), post-accumulate-grad hooks, callbacks."""
import numpy as np
import pytest

import needl
from needl.autograd.tape import queue_callback


def leaf(*values):
    return needl.tensor(list(values), dtype=needl.float64, requires_grad=True)


def test_leaf_hook_sees_the_summed_gradient_and_may_replace_it():
    x = leaf(1.0, 2.0)
    seen = []
    handle = x.register_hook(lambda grad: seen.append(grad.numpy().copy()) or grad * 10)
    (x * 2 + x * 3).sum().backward()  # two contributions, one hook call with their sum
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 5.0])
    np.testing.assert_allclose(x.grad.numpy(), [50.0, 50.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_non_leaf_hook_changes_what_flows_on():
    x = leaf(1.0, 2.0)
    y = x * 3
    y.register_hook(lambda grad: grad * 0)
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 0.0])  # retain_grad stores the hooked value


def test_post_accumulate_grad_hook_runs_after_grad_is_set():
    x = leaf(1.0, 2.0)
    calls = []
    x.register_post_accumulate_grad_hook(lambda tensor: calls.append(tensor.grad.numpy().copy()))
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(calls[0], [2.0, 4.0])
    np.testing.assert_allclose(calls[1], [4.0, 8.0])  # accumulated over two passes
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 1).register_post_accumulate_grad_hook(print)


def test_hooks_on_tensors_without_grad_are_refused():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        needl.zeros(2).register_hook(print)


def test_queue_callback_runs_at_the_end_of_backward():
    x = leaf(1.0)
    order = []

    def hook(tensor):
        order.append("hook")
        queue_callback(lambda: order.append("callback"))

    x.register_post_accumulate_grad_hook(hook)
    y = x * 2
    y.register_hook(lambda grad: order.append("y") or None)
    y.sum().backward()
    assert order == ["y", "hook", "callback"]
    with pytest.raises(RuntimeError, match="during a backward"):
        queue_callback(print)


def test_hooks_are_dropped_with_their_tensor():
    from needl.autograd import tape
    before = len(tape.hooked_leaves)
    x = leaf(1.0)
    x.register_hook(lambda grad: None)
    assert len(tape.hooked_leaves) == before + 1
    del x
    assert len(tape.hooked_leaves) == before
