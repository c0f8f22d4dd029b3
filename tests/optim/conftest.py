"""Shared helpers for the optimizer tests: a deterministic gradient sequence and a runner."""
import numpy as np
import pytest

import needl

SHAPES = [(3, 4), (5,)]


def fake_gradient(param: np.ndarray, step: int, index: int) -> np.ndarray:
    """A gradient that depends on the parameter (so trajectories matter) and on the step."""
    phase = np.arange(param.size, dtype=np.float64).reshape(param.shape)
    return (0.5 * param * (step + 1) + np.sin(phase + 3 * step + index)).astype(param.dtype)


def initial_arrays(dtype=np.float64):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def run_needl(make_optimizer, steps: int, dtype=np.float64):
    """Apply `steps` optimizer steps with fake_gradient; returns the final parameter arrays."""
    params = [needl.tensor(array, requires_grad=True) for array in initial_arrays(dtype)]
    optimizer = make_optimizer(params)
    for step in range(steps):
        for index, param in enumerate(params):
            param.grad = needl.tensor(fake_gradient(param.detach().numpy(), step, index))
        optimizer.step()
    return [param.detach().numpy() for param in params], optimizer


def run_reference(update, steps: int):
    """The same loop for a reference `update(param, grad, state, step)` in plain float64 NumPy."""
    arrays = [array.copy() for array in initial_arrays()]
    states = [{} for _ in arrays]
    for step in range(steps):
        for index, array in enumerate(arrays):
            grad = fake_gradient(array, step, index)
            arrays[index] = update(array, grad, states[index], step + 1)
    return arrays


@pytest.fixture
def compare():
    """compare(make_optimizer, update, steps): needl's parameters equal the reference's."""
    def check(make_optimizer, update, steps=6):
        got, _ = run_needl(make_optimizer, steps)
        expected = run_reference(update, steps)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    return check


@pytest.fixture
def make_params():
    """make_params(dtype=float32): fresh leaf Tensors with the shared initial values."""
    def make(dtype=np.float32):
        return [needl.tensor(array, requires_grad=True) for array in initial_arrays(dtype)]
    return make


@pytest.fixture
def feed_gradients():
    """feed_gradients(params, step): set each .grad to fake_gradient of the current values."""
    def feed(params, step):
        for index, param in enumerate(params):
            param.grad = needl.tensor(fake_gradient(param.detach().numpy(), step, index))
    return feed
