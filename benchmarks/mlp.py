"""MLP training step: 784-512-512-10, ReLU, batch 128, cross-entropy, SGD (forward+backward+update).

Contenders: needl; the best hand-written NumPy step; PyTorch (CPU); and the step's 8 GEMMs alone
(3 forward, 5 backward: the floor any NumPy framework stands on). Same weights and batch for all.
Run: python benchmarks/mlp.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, training_step, load_weights, main

SIZES = (784, 512, 512, 10)
BATCH, LR = 128, 0.01


def initial_weights():
    """PyTorch's default Linear init, drawn once from a seed: every contender gets the same."""
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return weights


def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], BATCH)


class NumpyMLP:
    """The fastest plain NumPy step we could write: in-place ReLU, fused softmax-CE gradient."""

    def __init__(self, weights, lr=LR):
        self.weights = [(w.copy(), b.copy()) for w, b in weights]
        self.lr = lr

    def step(self, x, y):
        activations = [x]
        h = x
        for i, (w, b) in enumerate(self.weights):
            h = h @ w.T
            h += b
            if i < len(self.weights) - 1:
                np.maximum(h, 0, out=h)
            activations.append(h)
        logits = h
        rows = np.arange(len(y))
        shifted = logits - logits.max(1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
        grad = exp
        grad /= total
        grad[rows, y] -= 1
        grad /= len(y)
        for i in range(len(self.weights) - 1, -1, -1):
            w, b = self.weights[i]
            inputs = activations[i]
            grad_w = grad.T @ inputs
            grad_b = grad.sum(0)
            if i > 0:
                grad = grad @ w
                grad *= inputs > 0
            w -= self.lr * grad_w
            b -= self.lr * grad_b
        return loss


def mlp(library, weights):
    """The model in needl or PyTorch (the same code), holding the given weights."""
    nn = library.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    load_weights(library, [model[0], model[2], model[4]], weights)
    return model


def framework_step(library):
    x, y = batch()
    return training_step(library, mlp(library, initial_weights()), x, y, LR)


def numpy_step(np_module):
    x, y = batch()
    model = NumpyMLP(initial_weights())
    return lambda: model.step(x, y)


def bare_gemms(np_module):
    """The step's 8 matrix products with preallocated outputs, and nothing else."""
    x, _ = batch()
    (w1, _), (w2, _), (w3, _) = initial_weights()
    h1, h2, logits = np.empty((BATCH, 512), np.float32), np.empty((BATCH, 512), np.float32), np.empty((BATCH, 10), np.float32)
    g1, g2 = np.empty((BATCH, 512), np.float32), np.empty((BATCH, 512), np.float32)
    gw1, gw2, gw3 = np.empty_like(w1), np.empty_like(w2), np.empty_like(w3)

    def step():
        np.matmul(x, w1.T, out=h1)
        np.matmul(h1, w2.T, out=h2)
        np.matmul(h2, w3.T, out=logits)
        np.matmul(logits.T, h2, out=gw3)
        np.matmul(logits, w3, out=g2)
        np.matmul(g2.T, h1, out=gw2)
        np.matmul(g2, w2, out=g1)
        np.matmul(g1.T, x, out=gw1)
    return step


WORKLOADS = {"mlp": StepWorkload(
    label=f"MLP 784-512-512-10, b{BATCH}, SGD",
    title=f"MLP 784-512-512-10 training step, batch {BATCH}, SGD, float32",
    contenders={"needl": Contender("needl", framework_step),
                "numpy by hand": Contender("numpy", numpy_step),
                "pytorch": Contender("torch", framework_step),
                "8 bare GEMMs": Contender("numpy", bare_gemms)},
    rounds=15, repeat=20,
    targets=(("needl", "pytorch", "(target <= 0.90x)"),
             ("needl", "8 bare GEMMs", "(target <= 1.15x)"),
             ("needl", "numpy by hand", "")))}


if __name__ == "__main__":
    main("mlp")
