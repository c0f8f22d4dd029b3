import math

import numpy as np
import pytest

import needl
from needl.optim import Adam, AdamW


def test_first_adam_step_moves_each_entry_by_lr():
    # after one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps) ~ lr * sign(g)
    param = needl.tensor([1.0, 1.0], dtype=needl.float64, requires_grad=True)
    param.grad = needl.tensor([3.0, -0.5], dtype=needl.float64)
    Adam([param], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(param.detach().numpy(), [0.99, 1.01], rtol=1e-14)


def adam_reference(lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled):
    def update(param, grad, state, step):
        if decoupled:
            param = param * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * param
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad * grad
        v = state["v"]
        if amsgrad:
            state["vmax"] = v = np.maximum(state.get("vmax", 0.0), v)
        m_hat = state["m"] / (1 - beta1 ** step)
        denominator = np.sqrt(v) / math.sqrt(1 - beta2 ** step) + eps
        return param - lr * m_hat / denominator
    return update


@pytest.mark.parametrize("weight_decay,amsgrad", [(0.0, False), (0.1, False), (0.0, True),
                                                  (0.05, True)])
def test_adam_matches_reference(compare, weight_decay, amsgrad):
    options = dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=weight_decay)
    compare(lambda params: Adam(params, amsgrad=amsgrad, **options),
            adam_reference(0.02, 0.8, 0.95, 1e-6, weight_decay, amsgrad, decoupled=False))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw_matches_reference(compare, amsgrad):
    compare(lambda params: AdamW(params, lr=0.03, weight_decay=0.2, amsgrad=amsgrad),
            adam_reference(0.03, 0.9, 0.999, 1e-8, 0.2, amsgrad, decoupled=True))


def test_adamw_default_weight_decay_is_pytorchs():
    optimizer = AdamW([needl.ones(2, requires_grad=True)])
    assert optimizer.defaults["weight_decay"] == 1e-2
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999)


def test_state_is_float32_and_updates_in_place():
    param = needl.randn(3, 2, requires_grad=True)
    array = param.detach().numpy()
    optimizer = Adam([param], amsgrad=True)
    param.grad = needl.randn(3, 2)
    optimizer.step()
    state = optimizer.state[param]
    assert state["step"] == 1
    assert {key: state[key].dtype for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")} == \
        {key: np.float32 for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}
    assert param.detach().numpy() is array and array.dtype == np.float32


@pytest.mark.parametrize("kwargs,message", [
    (dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (dict(eps=-1.0), "Invalid epsilon"), (dict(lr=-0.1), "Invalid learning rate")])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam([needl.ones(2, requires_grad=True)], **kwargs)
