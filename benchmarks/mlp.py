"""MLP training step: 784-512-512-10, ReLU, batch 128, cross-entropy, SGD (forward+backward+update).

needl vs the best hand-written NumPy step vs PyTorch on the CPU (when installed), from the same
initial weights and batch; the first-step losses must agree. Run: python benchmarks/mlp.py
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import needl  # noqa: E402
import needl.nn  # noqa: E402,F401  (needl.nn, as torch.nn)
from common import classification_step, compare, load_weights, optional_torch  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH, LR = 128, 0.01


def initial_weights(rng):
    """PyTorch's default Linear init, drawn once and shared by every contender."""
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return weights


class NumpyMLP:
    """The fastest plain NumPy step we could write: in-place ReLU, fused softmax-CE gradient."""

    def __init__(self, weights):
        self.weights = [(w.copy(), b.copy()) for w, b in weights]

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
            w -= LR * grad_w
            b -= LR * grad_b
        return loss


def mlp(library, weights):
    """The model in needl or PyTorch (the same code), holding the given weights."""
    nn = library.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    load_weights(library, [model[0], model[2], model[4]], weights)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    weights = initial_weights(rng)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)

    by_hand = NumpyMLP(weights)
    steps = {"numpy by hand": lambda: by_hand.step(x, y)}
    torch = optional_torch()
    for name, library in [("needl", needl), ("pytorch", torch)]:
        if library is not None:
            steps[name] = classification_step(library, mlp(library, weights), x, y, LR)
    rounds, repeat = (3, 3) if args.quick else (15, 20)
    compare(f"MLP 784-512-512-10 training step, batch {BATCH}, float32", steps, rounds, repeat,
            targets=[("needl", "pytorch", ""), ("needl", "numpy by hand", "(target <= 1.10x)")])


if __name__ == "__main__":
    main()
