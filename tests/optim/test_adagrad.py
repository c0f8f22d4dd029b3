import numpy as np
import pytest

import needl
from needl.optim import Adagrad


def test_first_step_by_hand():
    # sum = 0.1 + 4; step = lr * g / sqrt(sum)
    param = needl.tensor([1.0], dtype=needl.float64, requires_grad=True)
    param.grad = needl.tensor([2.0], dtype=needl.float64)
    Adagrad([param], lr=0.5, initial_accumulator_value=0.1, eps=0.0).step()
    np.testing.assert_allclose(param.detach().numpy(), [1.0 - 0.5 * 2.0 / np.sqrt(4.1)], rtol=1e-14)


@pytest.mark.parametrize("lr_decay,weight_decay,initial", [(0.0, 0.0, 0.0), (0.1, 0.0, 0.5),
                                                           (0.05, 0.1, 0.0)])
def test_adagrad_matches_reference(compare, lr_decay, weight_decay, initial):
    lr, eps = 0.1, 1e-10

    def update(param, grad, state, step):
        grad = grad + weight_decay * param
        state["sum"] = state.get("sum", initial) + grad * grad
        clr = lr / (1 + (step - 1) * lr_decay)
        return param - clr * grad / (np.sqrt(state["sum"]) + eps)

    compare(lambda params: Adagrad(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                   initial_accumulator_value=initial, eps=eps), update)


def test_state_exists_before_the_first_step_as_in_pytorch():
    param = needl.zeros(3, requires_grad=True)
    optimizer = Adagrad([param], initial_accumulator_value=0.25)
    state = optimizer.state_dict()["state"][0]
    assert state["step"] == 0
    np.testing.assert_array_equal(state["sum"].detach().numpy(), np.full(3, 0.25, dtype=np.float32))
