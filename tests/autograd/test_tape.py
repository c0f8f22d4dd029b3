"""The tape's promises: freeing, retain_graph, create_graph, grad modes, leaves, deep graphs."""
import gc
import tracemalloc

import numpy as np
import pytest

import needl
from needl.autograd import op


def big_graph(size=1_000_000):
    x = needl.ones(size, requires_grad=True)
    y = (x * 2).exp().tanh() * x
    return x, y.sum()


def test_backward_frees_saved_arrays_while_loss_is_still_referenced():
    x, loss = big_graph()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss.backward()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    # the graph held about four 4 MB arrays; afterwards only x.grad (4 MB) is new
    assert after - before < 6_000_000, after - before
    assert loss.grad_fn.inputs is None


def test_a_dropped_graph_is_freed_without_backward():
    x = needl.ones(1_000_000, requires_grad=True)
    gc.collect()
    tracemalloc.start()
    for _ in range(5):
        loss = ((x * 2).exp() * x).sum()
        del loss
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert held < 1_000_000, held


def test_memory_stays_flat_over_many_steps():
    w = needl.randn(200, 200, requires_grad=True)
    data = needl.randn(64, 200)
    tracemalloc.start()
    for step in range(60):
        loss = (data @ w).relu().mean()
        loss.backward()
        with needl.no_grad():
            w -= 0.01 * w.grad
        w.grad = None
        if step == 10:
            gc.collect()
            early = tracemalloc.get_traced_memory()[0]
    gc.collect()
    late = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert late - early < 100_000, (early, late)


def test_second_backward_through_freed_graph_raises_clearly():
    x = needl.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = needl.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_gradients_accumulate_across_backward_calls():
    x = needl.tensor([3.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [7.0]


def test_create_graph_gives_hessian_vector_products():
    x = needl.tensor([1.0, 2.0, 3.0], dtype=needl.float64, requires_grad=True)
    y = (x ** 3).sum()                       # Hessian = diag(6x)
    (grad,) = needl.autograd.grad(y, x, create_graph=True)
    v = needl.tensor([1.0, 0.5, -1.0], dtype=needl.float64)
    (hvp,) = needl.autograd.grad((grad * v).sum(), x)
    assert np.allclose(hvp.detach().numpy(), 6 * x.detach().numpy() * v.detach().numpy())


def test_create_graph_backward_then_gradient_penalty():
    w = needl.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    x = needl.tensor([[1.0, 1.0]], requires_grad=True)
    out = (x @ w).tanh().sum()
    out.backward(create_graph=True)
    penalty = (x.grad ** 2).sum()
    w.grad = None
    penalty.backward()
    assert w.grad is not None and np.all(np.isfinite(w.grad.numpy()))
    expected = needl.autograd.grad((needl.autograd.grad((x @ w).tanh().sum(), x, create_graph=True)[0] ** 2).sum(), w)[0]
    assert np.allclose(w.grad.numpy(), expected.detach().numpy())


def test_autograd_grad_does_not_touch_dot_grad_and_reports_unused():
    x = needl.tensor([1.0, 2.0], requires_grad=True)
    unused = needl.tensor([1.0], requires_grad=True)
    (g,) = needl.autograd.grad((x * x).sum(), x, retain_graph=True)
    assert g.tolist() == [2.0, 4.0] and x.grad is None
    with pytest.raises(RuntimeError, match="not to have been used"):
        needl.autograd.grad((x * 3).sum(), [x, unused])
    g_x, g_unused = needl.autograd.grad((x * 3).sum(), [x, unused], allow_unused=True)
    assert g_unused is None and g_x.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("switch", [needl.no_grad, lambda: needl.set_grad_enabled(False)])
def test_no_grad_as_context_manager(switch):
    x = needl.ones(2, requires_grad=True)
    with switch():
        y = x * 2
        assert not needl.is_grad_enabled()
        with needl.enable_grad():
            z = x * 2
    assert needl.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None


def test_grad_modes_as_decorators():
    x = needl.ones(2, requires_grad=True)

    @needl.no_grad()
    def off():
        return x * 2

    @needl.enable_grad()
    def on():
        return x * 2

    @needl.set_grad_enabled(False)
    def also_off():
        return x * 2

    assert needl.is_grad_enabled()  # decorating changed nothing
    assert not also_off().requires_grad

    assert not off().requires_grad
    with needl.no_grad():
        assert on().requires_grad
    assert needl.is_grad_enabled()


def test_set_grad_enabled_as_a_call():
    needl.set_grad_enabled(False)
    try:
        assert not (needl.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        needl.set_grad_enabled(True)
    assert needl.is_grad_enabled()


def test_leaf_attributes_detach_and_requires_grad_():
    x = needl.tensor([1.0, 2.0])
    assert x.is_leaf and x.grad_fn is None and not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.detach().numpy(), y.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating point"):
        needl.tensor([1, 2]).requires_grad_()


def test_retain_grad_keeps_intermediate_gradient():
    x = needl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y * y
    y.retain_grad()
    assert y.retains_grad
    z.sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert z.grad is None  # not retained
    assert x.grad.tolist() == [18.0, 36.0]


def test_no_gradient_computed_for_inputs_that_do_not_need_it():
    seen = []

    @op
    def scale(x, w):
        return x * w

    @scale.vjp
    def scale_vjp(g, out, x, w, needs_input_grad):
        seen.append(needs_input_grad)
        return (g * w if needs_input_grad[0] else None, g * x if needs_input_grad[1] else None)

    data = needl.randn(4)
    weight = needl.randn(4, requires_grad=True)
    scale(data, weight).sum().backward()
    assert seen == [(False, True)]
    assert data.grad is None and weight.grad is not None


def test_ops_on_tensors_that_need_no_grad_record_nothing():
    y = needl.ones(3) * 2 + 1
    assert y.grad_fn is None and not y.requires_grad


def test_deep_chain_of_100k_ops_backpropagates_iteratively():
    x = needl.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_shared_subexpression_gradients_sum():
    x = needl.tensor([2.0], requires_grad=True)
    y = x * x
    z = y + y * x  # x^2 + x^3
    z.sum().backward()
    assert x.grad.tolist() == [2 * 2 + 3 * 4]


def test_leaf_gradients_do_not_alias_each_other():
    a = needl.ones(3, requires_grad=True)
    b = needl.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    assert a.grad.numpy().flags.writeable and b.grad.numpy().flags.writeable


def test_leaves_handed_the_same_gradient_object_by_a_vjp_do_not_alias():
    @op
    def add_twice(x, y):
        return 2 * x + 2 * y

    @add_twice.vjp
    def add_twice_vjp(g, out, x, y):
        shared = g * 2  # one fresh array given to both inputs
        return shared, shared

    a = needl.ones(3, requires_grad=True)
    b = needl.ones(3, requires_grad=True)
    add_twice(a, b).sum().backward()
    a.grad.mul_(10)
    assert b.grad.tolist() == [2.0, 2.0, 2.0]


def test_in_place_update_of_a_leaf_that_requires_grad_needs_no_grad():
    w = needl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w += 1
    with needl.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5] and w.is_leaf


def test_backward_with_explicit_gradient_for_non_scalar():
    x = needl.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(needl.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 2.0]


def test_a_leaf_never_keeps_an_upstream_gradient_of_a_multi_output_node():
    import needl.autograd as autograd

    @autograd.op
    def two(x):
        return x * 1, x * 2

    @two.vjp
    def two_vjp(grads, out, x):
        return grads[0]  # hands the first upstream array straight to the leaf

    x = needl.tensor(1.0, dtype=needl.float64, requires_grad=True)
    y, w = x * 3, x * 5       # older than two(): replayed after it, still holding its upstream array
    first, _ = two(x)
    ((first + y) + w).backward()
    assert x.grad.item() == 9.0
