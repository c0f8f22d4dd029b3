"""Adadelta, Adamax, NAdam, RAdam, Rprop and ASGD against their update rules written out in NumPy."""
import math

import numpy as np
import pytest

import needl
from needl.optim import ASGD, Adadelta, Adamax, NAdam, RAdam, Rprop


def test_adadelta_matches_reference(compare):
    lr, rho, eps = 0.5, 0.8, 1e-6

    def update(param, grad, state, step):
        state["v"] = rho * state.get("v", 0.0) + (1 - rho) * grad ** 2
        delta = np.sqrt(state.get("u", 0.0) + eps) / np.sqrt(state["v"] + eps) * grad
        state["u"] = rho * state.get("u", 0.0) + (1 - rho) * delta ** 2
        return param - lr * delta

    compare(lambda params: Adadelta(params, lr=lr, rho=rho, eps=eps), update)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adamax_matches_reference(compare, weight_decay):
    lr, beta1, beta2, eps = 0.01, 0.8, 0.9, 1e-8

    def update(param, grad, state, step):
        grad = grad + weight_decay * param
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
        state["u"] = np.maximum(beta2 * state.get("u", 0.0), np.abs(grad) + eps)
        return param - lr / (1 - beta1 ** step) * state["m"] / state["u"]

    compare(lambda params: Adamax(params, lr=lr, betas=(beta1, beta2), eps=eps,
                                  weight_decay=weight_decay), update)


def test_nadam_matches_reference_in_float64(compare):
    lr, beta1, beta2, eps, decay = 0.01, 0.9, 0.999, 1e-8, 4e-3
    needl.set_default_dtype(needl.float64)  # mu_product is kept in the default dtype
    try:
        def update(param, grad, state, step):
            mu = beta1 * (1 - 0.5 * 0.96 ** (step * decay))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * decay))
            state["prod"] = state.get("prod", 1.0) * mu
            state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
            state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad ** 2
            denominator = np.sqrt(state["v"] / (1 - beta2 ** step)) + eps
            return (param - lr * (1 - mu) / (1 - state["prod"]) * grad / denominator
                    - lr * mu_next / (1 - state["prod"] * mu_next) * state["m"] / denominator)

        compare(lambda params: NAdam(params, lr=lr), update)
    finally:
        needl.set_default_dtype(needl.float32)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.6)])
def test_radam_matches_reference(compare, betas):
    lr, eps = 0.01, 1e-8
    beta1, beta2 = betas

    def update(param, grad, state, step):
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad ** 2
        m_hat = state["m"] / (1 - beta1 ** step)
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * beta2 ** step / (1 - beta2 ** step)
        if rho <= 5:
            return param - lr * m_hat
        rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        v_hat = math.sqrt(1 - beta2 ** step) / (np.sqrt(state["v"]) + eps)
        return param - lr * m_hat * v_hat * rect

    compare(lambda params: RAdam(params, lr=lr, betas=betas, eps=eps), update, steps=9)


@pytest.mark.parametrize("optimizer", [Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD])
def test_float32_state_and_in_place_update(optimizer):
    param = needl.randn(3, 2, requires_grad=True)
    array = param.detach().numpy()
    instance = optimizer([param])
    for _ in range(2):
        param.grad = needl.randn(3, 2)
        instance.step()
    assert param.detach().numpy() is array and array.dtype == np.float32
    assert all(value.dtype == np.float32 for value in instance.state[param].values()
               if isinstance(value, needl.Tensor))


def test_rprop_matches_reference(compare):
    lr, eta_minus, eta_plus, smallest, largest = 0.05, 0.5, 1.2, 1e-3, 0.08

    def update(param, grad, state, step):
        previous = state.get("prev", np.zeros_like(grad))
        size = state.get("size", np.full_like(grad, lr))
        agreement = np.sign(grad * previous)
        size = np.clip(size * np.choose(agreement.astype(int) + 1, [eta_minus, 1.0, eta_plus]),
                       smallest, largest)
        grad = np.where(agreement < 0, 0.0, grad)
        state["prev"], state["size"] = grad, size
        return param - np.sign(grad) * size

    compare(lambda params: Rprop(params, lr=lr, etas=(eta_minus, eta_plus),
                                 step_sizes=(smallest, largest)), update)


def test_asgd_matches_reference_in_float64(compare):
    lr, lambd, alpha, t0 = 0.05, 0.01, 0.75, 2
    needl.set_default_dtype(needl.float64)  # eta and mu are kept in the default dtype
    try:
        def update(param, grad, state, step):
            eta = state.get("eta", lr)
            param = param * (1 - lambd * eta) - eta * grad
            mu = state.get("mu", 1.0)
            state["ax"] = param.copy() if mu == 1 else state["ax"] + mu * (param - state["ax"])
            state["eta"] = lr / (1 + lambd * lr * step) ** alpha
            state["mu"] = 1 / max(1, step - t0)
            return param

        compare(lambda params: ASGD(params, lr=lr, lambd=lambd, alpha=alpha, t0=t0), update)
    finally:
        needl.set_default_dtype(needl.float32)


def test_rprop_refuses_bad_etas():
    with pytest.raises(ValueError, match="Invalid eta values"):
        Rprop([needl.ones(1, requires_grad=True)], etas=(1.5, 1.2))
