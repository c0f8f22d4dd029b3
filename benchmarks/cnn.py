"""CNN training step: conv(1->32,3,pad 1)-ReLU-maxpool 2-conv(32->64,3,pad 1)-ReLU-maxpool 2-
Linear(3136,128)-ReLU-Linear(128,10), batch 64, cross-entropy, SGD (forward+backward+update).

needl vs a hand-written NumPy im2col step (channels-last throughout, one GEMM per conv) vs
PyTorch on the CPU (when installed), from the same weights and batch; first-step losses must
agree. Run: python benchmarks/cnn.py [--quick]
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from common import Contender, StepWorkload, training_step, load_weights, main

BATCH, LR = 64, 0.01


def initial_weights():
    """PyTorch-style uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights, shared by all contenders."""
    rng = np.random.default_rng(0)
    shapes = [((32, 1, 3, 3), 32), ((64, 32, 3, 3), 64), ((128, 3136), 128), ((10, 128), 10)]
    weights = []
    for shape, out in shapes:
        bound = 1 / np.sqrt(np.prod(shape[1:]))
        weights.append((rng.uniform(-bound, bound, shape).astype(np.float32),
                        rng.uniform(-bound, bound, out).astype(np.float32)))
    return weights


# ---- NumPy by hand: channels-last (N, H, W, C) activations, im2col + one GEMM per conv ----------

def conv_forward(x, weight, bias):
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = sliding_window_view(padded, (3, 3), axis=(1, 2))          # (n, h, w, c, 3, 3)
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, 9 * c)
    matrix = weight.transpose(2, 3, 1, 0).reshape(9 * c, -1)
    out = columns @ matrix
    out += bias
    return out.reshape(n, h, w, -1), columns


def conv_backward(grad, columns, weight, input_shape, need_input):
    n, h, w, c = input_shape
    rows = grad.reshape(n * h * w, -1)
    grad_weight = (columns.T @ rows).reshape(3, 3, c, -1).transpose(3, 2, 0, 1)
    grad_bias = rows.sum(0)
    if not need_input:
        return None, grad_weight, grad_bias
    grad_columns = (rows @ weight.transpose(0, 2, 3, 1).reshape(-1, 9 * c)).reshape(n, h, w, 3, 3, c)
    padded = np.zeros((n, h + 2, w + 2, c), grad.dtype)
    for i in range(3):
        for j in range(3):
            padded[:, i:i + h, j:j + w] += grad_columns[:, :, :, i, j]
    return padded[:, 1:-1, 1:-1], grad_weight, grad_bias


def pool_forward(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def pool_backward(grad, x, out):
    n, h, w, c = x.shape
    windows = x.reshape(n, h // 2, 2, w // 2, 2, c)
    mask = windows == out[:, :, None, :, None]
    return (mask * grad[:, :, None, :, None]).reshape(x.shape)


class NumpyCNN:
    def __init__(self, weights):
        self.weights = [(w.copy(), b.copy()) for w, b in weights]

    def step(self, images, labels):
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = self.weights
        x = images.transpose(0, 2, 3, 1)
        c1, columns1 = conv_forward(x, w1, b1)
        np.maximum(c1, 0, out=c1)
        p1 = pool_forward(c1)
        c2, columns2 = conv_forward(p1, w2, b2)
        np.maximum(c2, 0, out=c2)
        p2 = pool_forward(c2)
        flat = p2.transpose(0, 3, 1, 2).reshape(len(images), -1)  # PyTorch's (C, H, W) order
        h3 = flat @ w3.T
        h3 += b3
        np.maximum(h3, 0, out=h3)
        logits = h3 @ w4.T
        logits += b4
        rows = np.arange(len(labels))
        shifted = logits - logits.max(1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))
        grad = exp / total
        grad[rows, labels] -= 1
        grad /= len(labels)
        grads = [None] * 4
        grads[3] = (grad.T @ h3, grad.sum(0))
        grad = grad @ w4
        grad *= h3 > 0
        grads[2] = (grad.T @ flat, grad.sum(0))
        grad = (grad @ w3).reshape(p2.shape[0], p2.shape[3], p2.shape[1], p2.shape[2]).transpose(0, 2, 3, 1)
        grad = pool_backward(grad, c2, p2)
        grad *= c2 > 0
        grad, *grads[1] = conv_backward(grad, columns2, w2, p1.shape, True)
        grad = pool_backward(grad, c1, p1)
        grad *= c1 > 0
        _, *grads[0] = conv_backward(grad, columns1, w1, x.shape, False)
        for (w, b), (grad_w, grad_b) in zip(self.weights, grads):
            w -= LR * grad_w
            b -= LR * grad_b
        return loss


def cnn(library, weights):
    """The model in needl or PyTorch (the same code), holding the given weights."""
    nn = library.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    load_weights(library, [model[0], model[3], model[7], model[9]], weights)
    return model


def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, BATCH)


def framework_step(library):
    images, labels = batch()
    return training_step(library, cnn(library, initial_weights()), images, labels, LR)


def numpy_step(np_module):
    images, labels = batch()
    model = NumpyCNN(initial_weights())
    return lambda: model.step(images, labels)


WORKLOADS = {"cnn": StepWorkload(
    label=f"CNN (2 conv + pool, 2 linear), b{BATCH}, SGD",
    title=f"CNN training step (2 conv + 2 max-pool + 2 linear, MNIST-sized), batch {BATCH}, SGD, float32",
    contenders={"needl": Contender("needl", framework_step),
                "numpy by hand": Contender("numpy", numpy_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=11, repeat=5,
    targets=(("needl", "pytorch", "(target <= 0.90x)"), ("needl", "numpy by hand", "")))}


if __name__ == "__main__":
    main("cnn")
