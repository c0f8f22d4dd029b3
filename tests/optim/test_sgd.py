import numpy as np
import pytest

import needl
from needl.optim import SGD


def test_plain_sgd_one_step_by_hand():
    param = needl.tensor([1.0, -2.0], requires_grad=True)
    param.grad = needl.tensor([0.5, 0.25])
    SGD([param], lr=0.1).step()
    np.testing.assert_allclose(param.detach().numpy(), [0.95, -2.025])


def test_momentum_two_steps_by_hand():
    param = needl.tensor([1.0], dtype=needl.float64, requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9)
    param.grad = needl.tensor([1.0], dtype=needl.float64)
    optimizer.step()                      # buf = 1, p = 0.9
    optimizer.step()                      # buf = 0.9 + 1 = 1.9, p = 0.9 - 0.19
    np.testing.assert_allclose(param.detach().numpy(), [0.71])
    np.testing.assert_allclose(optimizer.state[param]["momentum_buffer"].detach().numpy(), [1.9])


@pytest.mark.parametrize("momentum,dampening,weight_decay,nesterov", [
    (0.0, 0.0, 0.0, False), (0.9, 0.0, 0.0, False), (0.9, 0.3, 0.01, False),
    (0.8, 0.0, 0.05, True), (0.0, 0.0, 0.1, False)])
def test_sgd_matches_reference(compare, momentum, dampening, weight_decay, nesterov):
    lr = 0.05

    def update(param, grad, state, step):
        grad = grad + weight_decay * param
        if momentum:
            if "buf" not in state:
                state["buf"] = grad.copy()
            else:
                state["buf"] = momentum * state["buf"] + (1 - dampening) * grad
            grad = grad + momentum * state["buf"] if nesterov else state["buf"]
        return param - lr * grad

    compare(lambda params: SGD(params, lr=lr, momentum=momentum, dampening=dampening,
                               weight_decay=weight_decay, nesterov=nesterov), update)


def test_maximize_ascends(compare):
    compare(lambda params: SGD(params, lr=0.1, maximize=True),
            lambda param, grad, state, step: param + 0.1 * grad)


def test_updates_in_place_and_keeps_float32():
    param = needl.randn(4, 3, requires_grad=True)
    array = param.detach().numpy()
    optimizer = SGD([param], lr=np.float64(0.1), momentum=0.9, weight_decay=np.float64(0.01))
    for _ in range(2):
        param.grad = needl.randn(4, 3)
        optimizer.step()
    assert param.detach().numpy() is array and param.detach().numpy().dtype == np.float32
    assert optimizer.state[param]["momentum_buffer"].dtype == np.float32


def test_parameters_without_grad_are_skipped():
    used, unused = needl.ones(2, requires_grad=True), needl.ones(2, requires_grad=True)
    used.grad = needl.ones(2)
    optimizer = SGD([used, unused], lr=1.0, momentum=0.5)
    optimizer.step()
    np.testing.assert_array_equal(unused.detach().numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(used.detach().numpy(), [0.0, 0.0])
    assert unused not in optimizer.state


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1.0), "Invalid learning rate"), (dict(momentum=-0.1), "Invalid momentum"),
    (dict(weight_decay=-1.0), "Invalid weight_decay"),
    (dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov")])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([needl.ones(2, requires_grad=True)], **kwargs)
