"""LBFGS: converges on a quadratic and on Rosenbrock's function, with and without line search."""
import numpy as np
import pytest

import needl
from needl.optim import LBFGS


def rosenbrock(xy):
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def closure_for(optimizer, loss_fn, *params):
    def closure():
        optimizer.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss
    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_quadratic_is_solved(line_search_fn):
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((6, 6))
    hessian = needl.tensor(matrix @ matrix.T + 6 * np.eye(6))
    target = needl.tensor(rng.standard_normal(6))
    x = needl.zeros(6, dtype=needl.float64, requires_grad=True)
    optimizer = LBFGS([x], lr=1 if line_search_fn else 0.5, max_iter=200,
                      tolerance_change=1e-14, line_search_fn=line_search_fn)

    def loss_fn(x):
        difference = x - target
        return 0.5 * (difference * (hessian @ difference)).sum()

    optimizer.step(closure_for(optimizer, loss_fn, x))
    np.testing.assert_allclose(x.detach().numpy(), target.detach().numpy(), atol=1e-5)


def test_rosenbrock_with_strong_wolfe_reaches_the_minimum():
    xy = needl.tensor([-1.5, 2.0], dtype=needl.float64, requires_grad=True)
    optimizer = LBFGS([xy], line_search_fn="strong_wolfe", max_iter=200, tolerance_change=1e-14)
    first = optimizer.step(closure_for(optimizer, rosenbrock, xy))
    assert first.item() == pytest.approx(rosenbrock(needl.tensor([-1.5, 2.0])).item())
    np.testing.assert_allclose(xy.detach().numpy(), [1.0, 1.0], atol=1e-6)
    state = optimizer.state[xy]
    assert state["n_iter"] > 10 and state["func_evals"] >= state["n_iter"]


def test_state_dict_round_trip_continues(tmp_path):
    def run(resume):
        xy = needl.tensor([-1.0, 1.5], dtype=needl.float64, requires_grad=True)
        optimizer = LBFGS([xy], max_iter=3, line_search_fn="strong_wolfe")
        optimizer.step(closure_for(optimizer, rosenbrock, xy))
        if resume:
            needl.save(optimizer.state_dict(), tmp_path / "lbfgs.npz")
            optimizer = LBFGS([xy], max_iter=3, line_search_fn="strong_wolfe")
            optimizer.load_state_dict(needl.load(tmp_path / "lbfgs.npz"))
        optimizer.step(closure_for(optimizer, rosenbrock, xy))
        return xy.detach().numpy()

    np.testing.assert_array_equal(run(resume=True), run(resume=False))


def test_errors():
    param = needl.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="strong_wolfe"):
        LBFGS([param], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="parameter groups"):
        LBFGS([{"params": [param]}, {"params": [needl.ones(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="needs a closure"):
        LBFGS([param]).step()
