"""The op-definition API users get: @op with .vjp, multi-output ops, and PyTorch-style Function."""
import numpy as np
import pytest

import needl
from needl.autograd import Function, gradcheck, gradgradcheck, op


@op
def cube(x):
    return x ** 3


@cube.vjp
def cube_vjp(g, out, x):
    return 3 * x ** 2 * g


def test_op_records_and_differentiates():
    x = needl.randn(3, dtype=needl.float64, requires_grad=True)
    y = cube(x)
    assert y.grad_fn is not None and y.grad_fn.function is cube
    assert np.allclose(y.detach().numpy(), x.detach().numpy() ** 3)
    assert gradcheck(cube, (x,))
    assert gradgradcheck(cube, (x,))  # the vjp is written with operators, so it differentiates too


def test_op_on_arrays_alone_is_just_the_forward():
    result = cube(np.array([2.0]))
    assert isinstance(result, np.ndarray) and result.tolist() == [8.0]


def test_op_with_options_and_broadcast_undone_by_the_tape():
    @op
    def scaled_add(x, y, scale=1.0):
        return (x + y) * scale

    @scaled_add.vjp
    def scaled_add_vjp(g, out, x, y, scale=1.0):
        return g * scale, g * scale

    x = needl.randn(2, 3, dtype=needl.float64, requires_grad=True)
    y = needl.randn(3, dtype=needl.float64, requires_grad=True)
    assert gradcheck(lambda x, y: scaled_add(x, y, scale=2.5), (x, y))
    scaled_add(x, y, scale=2.0).sum().backward()
    assert y.grad.shape == (3,) and np.allclose(y.grad.numpy(), 4.0)


def test_multi_output_op():
    @op
    def sin_cos(x):
        return np.sin(x), np.cos(x)

    @sin_cos.vjp
    def sin_cos_vjp(grads, out, x):
        g_sin, g_cos = grads
        total = 0
        if g_sin is not None:
            total = total + g_sin * np.cos(x)
        if g_cos is not None:
            total = total - g_cos * np.sin(x)
        return total

    x = needl.randn(4, dtype=needl.float64, requires_grad=True)
    assert gradcheck(lambda x: sin_cos(x), (x,))
    s, c = sin_cos(x)
    assert s.grad_fn is c.grad_fn
    s.sum().backward()  # only one output receives a gradient
    assert np.allclose(x.grad.numpy(), np.cos(x.detach().numpy()))


def test_op_without_vjp_says_so():
    @op
    def nothing(x):
        return x

    with pytest.raises(RuntimeError, match="no vjp"):
        nothing(needl.ones(1, requires_grad=True))


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MulAdd(Function):
    """Two inputs, one constant, two outputs."""

    @staticmethod
    def forward(ctx, x, y, constant):
        ctx.save_for_backward(x, y)
        ctx.constant = constant
        return x * y + constant, x - y

    @staticmethod
    def backward(ctx, grad_product, grad_difference):
        x, y = ctx.saved_tensors
        return grad_product * y + grad_difference, grad_product * x - grad_difference, None


def test_function_with_ctx():
    x = needl.randn(3, dtype=needl.float64, requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn is not None and not Exp.apply(x.detach()).requires_grad
    assert gradcheck(Exp.apply, (x,))
    assert gradgradcheck(Exp.apply, (x,))


def test_function_with_several_inputs_and_outputs():
    x = needl.randn(3, dtype=needl.float64, requires_grad=True)
    y = needl.randn(3, dtype=needl.float64, requires_grad=True)
    assert gradcheck(lambda x, y: MulAdd.apply(x, y, 2.0), (x, y))
    product, _ = MulAdd.apply(x, y, 2.0)
    product.sum().backward()  # the unused output gets zeros, as in PyTorch
    assert np.allclose(x.grad.numpy(), y.detach().numpy())


def test_function_needs_input_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Probe.apply(needl.ones(2), needl.ones(2, requires_grad=True))
    assert seen == [(False, True)]
