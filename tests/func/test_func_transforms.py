"""needl.func's transforms against closed forms and each other: grad, grad_and_value, vjp, jvp,
jacrev, jacfwd, hessian (nesting), vmap (in_dims, out_dims, randomness), optional torch.func parity."""
import numpy as np
import pytest

import needl
from needl import func

RNG = np.random.default_rng(0)


def t(array):
    return needl.tensor(np.asarray(array, dtype=np.float64))


def f(x):
    return (x.sin() * x).sum()


def test_grad_and_value_of_a_scalar_function():
    x = RNG.standard_normal(4)
    gradient, value = func.grad_and_value(f)(t(x))
    np.testing.assert_allclose(gradient.numpy(), np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(value.item(), (np.sin(x) * x).sum())
    assert not gradient.requires_grad and not value.requires_grad


def test_grad_argnums_has_aux_and_pytree_inputs():
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    gx, gy = func.grad(lambda a, b: (a * b.exp()).sum(), argnums=(0, 1))(t(x), t(y))
    np.testing.assert_allclose(gx.numpy(), np.exp(y))
    np.testing.assert_allclose(gy.numpy(), x * np.exp(y))
    gradient, aux = func.grad(lambda a: ((a ** 2).sum(), "aux"), has_aux=True)(t(x))
    assert aux == "aux"
    params = {"w": t(x), "b": t([1.0])}
    grads = func.grad(lambda p: (p["w"] * 2).sum() + p["b"].sum())(params)
    np.testing.assert_allclose(grads["w"].numpy(), 2 * np.ones(3))
    np.testing.assert_allclose(grads["b"].numpy(), [1.0])
    with pytest.raises(RuntimeError, match="scalar"):
        func.grad(lambda a: a * 2)(t(x))


def test_vjp_and_jvp_agree_with_the_jacobian():
    x = RNG.standard_normal(3)
    function = lambda a: a.exp() * a.sum()  # noqa: E731
    jacobian = func.jacrev(function)(t(x)).numpy()
    expected = np.diag(np.exp(x) * x.sum()) + np.exp(x)[:, None]
    np.testing.assert_allclose(jacobian, expected)
    np.testing.assert_allclose(func.jacfwd(function)(t(x)).numpy(), expected)
    cotangent, tangent = RNG.standard_normal(3), RNG.standard_normal(3)
    output, vjp_fn = func.vjp(function, t(x))
    np.testing.assert_allclose(output.numpy(), np.exp(x) * x.sum())
    np.testing.assert_allclose(vjp_fn(t(cotangent))[0].numpy(), cotangent @ expected)
    output, pushed = func.jvp(function, (t(x),), (t(tangent),))
    np.testing.assert_allclose(pushed.numpy(), expected @ tangent)


def test_jacrev_of_several_inputs_and_the_hessian():
    x, y = RNG.standard_normal(2), RNG.standard_normal(3)
    jx, jy = func.jacrev(lambda a, b: needl.outer(a, b), argnums=(0, 1))(t(x), t(y))
    assert jx.shape == (2, 3, 2) and jy.shape == (2, 3, 3)
    np.testing.assert_allclose(jx.numpy()[:, :, 0][0], y)
    x = RNG.standard_normal(3)
    hessian = func.hessian(f)(t(x)).numpy()
    np.testing.assert_allclose(hessian, np.diag(2 * np.cos(x) - x * np.sin(x)), atol=1e-12)


def test_vmap_maps_and_stacks():
    weight = t(RNG.standard_normal((4, 3)))
    batch = t(RNG.standard_normal((5, 3)))
    np.testing.assert_allclose(needl.vmap(lambda v: weight @ v)(batch).numpy(), batch.numpy() @ weight.numpy().T)
    out = func.vmap(lambda a, b: a * b, in_dims=(1, None), out_dims=1)(batch.t(), t(np.ones(3)))
    assert out.shape == (3, 5)
    pair = func.vmap(lambda a: (a.sum(), a * 2))(batch)
    assert pair[0].shape == (5,) and pair[1].shape == (5, 3)
    per_example = func.vmap(func.grad(f))(batch)
    np.testing.assert_allclose(per_example.numpy(), np.cos(batch.numpy()) * batch.numpy() + np.sin(batch.numpy()))
    with pytest.raises(ValueError, match="same size"):
        func.vmap(lambda a, b: a + b)(t(np.ones(2)), t(np.ones(3)))


def test_vmap_randomness_same_gives_every_element_the_same_draws():
    draws = func.vmap(lambda a: a + needl.rand(1, dtype=needl.float64), randomness="same")(t(np.zeros((3, 1))))
    assert np.unique(draws.numpy()).size == 1
    draws = func.vmap(lambda a: a + needl.rand(1, dtype=needl.float64), randomness="different")(t(np.zeros((3, 1))))
    assert np.unique(draws.numpy()).size == 3


def test_transforms_keep_the_outer_tape():
    x = needl.tensor(RNG.standard_normal(3), requires_grad=True)
    gradient = func.grad(f)(x)
    assert gradient.requires_grad
    gradient.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(x.detach().numpy()) - x.detach().numpy() * np.sin(x.detach().numpy()))


def test_parity_with_torch_func():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3))
    mine = func.vmap(func.jacrev(lambda a: a.tanh() * a.sum()))(t(x)).numpy()
    theirs = torch.func.vmap(torch.func.jacrev(lambda a: a.tanh() * a.sum()))(torch.tensor(x)).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)
