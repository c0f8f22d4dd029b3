"""SparseAdam, Adafactor and Muon against their update rules written out in NumPy (and PyTorch)."""
import math

import numpy as np
import pytest

import needl
from needl.optim import Adafactor, Muon, SparseAdam


def test_sparse_adam_updates_only_rows_with_a_gradient():
    rng = np.random.default_rng(0)
    initial = rng.standard_normal((6, 3))
    weight = needl.tensor(initial.copy(), requires_grad=True)
    optimizer = SparseAdam([weight], lr=0.1, betas=(0.8, 0.9))
    exp_avg, exp_avg_sq, expected = np.zeros((6, 3)), np.zeros((6, 3)), initial.copy()
    for step in range(1, 5):
        grad = np.zeros((6, 3))
        rows = [0, 2] if step % 2 else [2, 3]
        grad[rows] = rng.standard_normal((2, 3))
        grad[rows[0], 1] = 0.0  # a zero inside a touched row is still updated
        weight.grad = needl.tensor(grad)
        optimizer.step()
        exp_avg[rows] += 0.2 * (grad[rows] - exp_avg[rows])
        exp_avg_sq[rows] += 0.1 * (grad[rows] ** 2 - exp_avg_sq[rows])
        step_size = 0.1 * math.sqrt(1 - 0.9 ** step) / (1 - 0.8 ** step)
        expected[rows] -= step_size * exp_avg[rows] / (np.sqrt(exp_avg_sq[rows]) + 1e-8)
        np.testing.assert_allclose(weight.detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(weight.detach().numpy()[[1, 4, 5]], initial[[1, 4, 5]])
    assert optimizer.state[weight]["step"] == 4


def test_sparse_adam_vectors_scalars_and_empty_gradients():
    vector = needl.tensor([1.0, 2.0, 3.0], dtype=needl.float32, requires_grad=True)
    scalar = needl.tensor(1.0, dtype=needl.float32, requires_grad=True)
    empty = needl.zeros(0, 4, dtype=needl.float32, requires_grad=True)
    optimizer = SparseAdam([vector, scalar, empty], lr=0.5)
    vector.grad = needl.tensor(np.array([0.0, 1.0, 0.0], np.float32))
    scalar.grad, empty.grad = needl.tensor(np.float32(0.0)), needl.zeros(0, 4)
    optimizer.step()
    np.testing.assert_allclose(vector.detach().numpy(), [1.0, 1.5, 3.0], rtol=1e-6)
    assert vector.dtype == np.float32 and scalar.item() == 1.0
    with pytest.raises(ValueError, match="Invalid learning rate"):
        SparseAdam([vector], lr=0.0)


def test_adafactor_matches_reference():
    lr, decay, eps1, eps2, d, weight_decay = 0.05, -0.7, 1e-30, 1e-3, 1.5, 0.1
    rng = np.random.default_rng(1)
    shapes = [(4, 3), (5,), (2, 3, 4)]
    params = [needl.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    optimizer = Adafactor(params, lr=lr, beta2_decay=decay, eps=(eps1, eps2), d=d,
                          weight_decay=weight_decay)
    expected = [p.detach().numpy().copy() for p in params]
    states = [{} for _ in params]
    for step in range(1, 6):
        for param, value, state in zip(params, expected, states):
            grad = np.cos(value * step) + 0.2 * value
            param.grad = needl.tensor(grad)
            weight = step ** decay
            alpha = max(eps2, np.sqrt(np.mean(value ** 2))) * min(lr, 1 / math.sqrt(step))
            value *= 1 - lr * weight_decay
            if grad.ndim > 1:
                row = state.get("row", 0.0) + weight * ((grad ** 2).mean(-1, keepdims=True) - state.get("row", 0.0))
                col = state.get("col", 0.0) + weight * ((grad ** 2).mean(-2, keepdims=True) - state.get("col", 0.0))
                state.update(row=row, col=col)
                variance = row @ col / np.maximum(row.mean(-2, keepdims=True), eps1)
            else:
                variance = state["v"] = state.get("v", 0.0) + weight * (grad ** 2 - state.get("v", 0.0))
            update = grad / np.sqrt(np.maximum(variance, eps1 ** 2))
            value -= alpha / max(1.0, np.sqrt(np.mean(update ** 2)) / d) * update
        optimizer.step()
    for param, value in zip(params, expected):
        np.testing.assert_allclose(param.detach().numpy(), value, rtol=1e-10, atol=1e-12)
    state = optimizer.state[params[2]]
    assert state["row_var"].shape == (2, 3, 1) and state["col_var"].shape == (2, 1, 4)
    assert "variance" in optimizer.state[params[1]]


def newton_schulz(matrix, steps=5, a=3.4445, b=-4.775, c=2.0315, eps=1e-7):
    x = matrix.T if matrix.shape[0] > matrix.shape[1] else matrix
    x = x / max(np.linalg.norm(x), eps)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if matrix.shape[0] > matrix.shape[1] else x


@pytest.mark.parametrize("nesterov,adjust", [(True, None), (False, "match_rms_adamw")])
def test_muon_matches_reference(nesterov, adjust):
    lr, momentum, weight_decay = 0.02, 0.9, 0.1
    rng = np.random.default_rng(2)
    params = [needl.tensor(rng.standard_normal(shape), requires_grad=True) for shape in [(5, 3), (3, 4)]]
    optimizer = Muon(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                     nesterov=nesterov, adjust_lr_fn=adjust)
    expected = [p.detach().numpy().copy() for p in params]
    buffers = [np.zeros_like(value) for value in expected]
    for step in range(4):
        for param, value, buffer in zip(params, expected, buffers):
            grad = np.sin(value * (step + 1))
            param.grad = needl.tensor(grad)
            buffer += (1 - momentum) * (grad - buffer)
            update = grad + momentum * (buffer - grad) if nesterov else buffer
            rows, columns = value.shape
            scale = math.sqrt(max(1, rows / columns)) if adjust is None else 0.2 * math.sqrt(max(rows, columns))
            value *= 1 - lr * weight_decay
            value -= lr * scale * newton_schulz(update)
        optimizer.step()
    for param, value in zip(params, expected):
        np.testing.assert_allclose(param.detach().numpy(), value, rtol=1e-10, atol=1e-12)


def test_muon_refuses_parameters_that_are_not_matrices():
    with pytest.raises(ValueError, match=r"only supports 2D parameters .* \(3,\)"):
        Muon([needl.ones(3, requires_grad=True)])
    with pytest.raises(ValueError, match="not supported"):
        Muon([needl.ones(2, 2, requires_grad=True)], adjust_lr_fn="other")


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    # SparseAdam: an Embedding(sparse=True) gradient, densified, gives PyTorch's update exactly
    initial = rng.standard_normal((10, 3))
    embedding = torch.nn.Embedding(10, 3, sparse=True, _weight=torch.tensor(initial.copy()))
    weight = needl.tensor(initial.copy(), requires_grad=True)
    theirs, ours = torch.optim.SparseAdam(embedding.parameters(), lr=0.1), SparseAdam([weight], lr=0.1)
    for _ in range(5):
        theirs.zero_grad()
        (embedding(torch.tensor(rng.integers(0, 6, size=5))) ** 2).sum().backward()
        weight.grad = needl.tensor(embedding.weight.grad.to_dense().numpy())
        theirs.step()
        ours.step()
    np.testing.assert_array_equal(weight.detach().numpy(), embedding.weight.detach().numpy())
    # Adafactor to float64 rounding; Muon to PyTorch's bfloat16 Newton-Schulz
    for name, options, tolerance in [("Adafactor", dict(weight_decay=0.1, maximize=True), 1e-12),
                                     ("Muon", dict(lr=0.02), 2e-2)]:
        initial = [rng.standard_normal((4, 3)), rng.standard_normal((3, 6))]
        mine = [needl.tensor(a, requires_grad=True) for a in initial]
        other = [torch.tensor(a, requires_grad=True) for a in initial]
        ours, theirs = getattr(needl.optim, name)(mine, **options), getattr(torch.optim, name)(other, **options)
        for step in range(6):
            for m, o in zip(mine, other):
                grad = np.cos(m.detach().numpy() * (step + 1))
                m.grad, o.grad = needl.tensor(grad), torch.tensor(grad)
            ours.step()
            theirs.step()
        for m, o in zip(mine, other):
            np.testing.assert_allclose(m.detach().numpy(), o.detach().numpy(), rtol=tolerance,
                                       atol=tolerance * 1e-2)
        assert list(ours.param_groups[0]) == list(theirs.param_groups[0])


@pytest.mark.parametrize("make,shape", [(Adafactor, (4, 3)), (Adafactor, (5,)), (Muon, (4, 3)),
                                        (SparseAdam, (4, 3))])
def test_float32_stays_float32(make, shape):
    param = needl.randn(*shape, requires_grad=True)
    optimizer = make([param])
    for _ in range(2):
        param.grad = needl.randn(*shape)
        optimizer.step()
    assert param.dtype == np.float32
    assert all(value.dtype == np.float32 for value in optimizer.state[param].values()
               if isinstance(value, needl.Tensor))
