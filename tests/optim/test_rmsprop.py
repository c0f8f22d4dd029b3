import numpy as np
import pytest

import needl
from needl.optim import RMSprop


def test_first_step_by_hand():
    # v = (1 - alpha) g^2 = 0.01 * 4, so the step is lr * g / sqrt(v) = 0.01 * 2 / 0.2
    param = needl.tensor([1.0], dtype=needl.float64, requires_grad=True)
    param.grad = needl.tensor([2.0], dtype=needl.float64)
    RMSprop([param], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(param.detach().numpy(), [0.9], rtol=1e-14)


@pytest.mark.parametrize("momentum,centered,weight_decay", [
    (0.0, False, 0.0), (0.9, False, 0.0), (0.0, True, 0.0), (0.5, True, 0.1), (0.0, False, 0.2)])
def test_rmsprop_matches_reference(compare, momentum, centered, weight_decay):
    lr, alpha, eps = 0.01, 0.9, 1e-6

    def update(param, grad, state, step):
        grad = grad + weight_decay * param
        state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * grad ** 2
        variance = state["v"]
        if centered:
            state["mean"] = alpha * state.get("mean", 0.0) + (1 - alpha) * grad
            variance = variance - state["mean"] ** 2
        average = np.sqrt(variance) + eps
        if momentum:
            state["buf"] = momentum * state.get("buf", 0.0) + grad / average
            return param - lr * state["buf"]
        return param - lr * grad / average

    compare(lambda params: RMSprop(params, lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                                   centered=centered, weight_decay=weight_decay), update)


def test_state_keys_follow_options():
    param = needl.randn(2, requires_grad=True)
    param.grad = needl.randn(2)
    optimizer = RMSprop([param], momentum=0.5, centered=True)
    optimizer.step()
    assert set(optimizer.state[param]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    assert all(value.dtype == np.float32 for key, value in optimizer.state[param].items()
               if key != "step")
