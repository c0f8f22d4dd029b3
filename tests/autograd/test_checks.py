"""The checks users get: gradcheck catches wrong gradients, detect_anomaly finds the first NaN."""
import numpy as np
import pytest

import needl
from needl.autograd import GradcheckError, gradcheck, gradgradcheck, op


@op
def wrong_square(x):
    return x * x


@wrong_square.vjp
def wrong_square_vjp(g, out, x):
    return g * x  # should be 2 * g * x


def test_gradcheck_catches_a_wrong_vjp():
    x = needl.randn(3, dtype=needl.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="does not match"):
        gradcheck(wrong_square, (x,))
    assert gradcheck(wrong_square, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_vjp_that_is_not_differentiable():
    @op
    def square(x):
        return x * x

    @square.vjp
    def square_vjp(g, out, x):
        # cut from the tape under create_graph: first order is right, second order is lost
        return 2 * g * (x.detach() if isinstance(x, needl.Tensor) else x)

    x = needl.randn(3, dtype=needl.float64, requires_grad=True)
    assert gradcheck(square, (x,))
    assert not gradgradcheck(square, (x,), raise_exception=False)


def test_gradcheck_wants_float64():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * 2, (needl.randn(3, requires_grad=True),))


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_detect_anomaly_names_the_op_and_where_it_was_recorded():
    x = needl.tensor([0.0, 1.0], requires_grad=True)
    with needl.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt / dx is inf at 0
        with pytest.raises(RuntimeError, match=r"(?s)SqrtBackward.*test_checks.py.*x.sqrt"):
            y.sum().backward()


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_without_detect_anomaly_nan_passes_silently():
    x = needl.tensor([0.0, 1.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert not np.all(np.isfinite(x.grad.numpy()))
