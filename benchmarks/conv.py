"""Conv2d(32, 64, 3, padding=1), max_pool2d(2) and avg_pool2d(2), forward + backward (input, weight, bias gradients).

On a 64x32x28x28 float32 batch (and the conv's 64x64x28x28 output for pooling): needl; the best
hand-written NumPy im2col (one column matrix, one GEMM each for the output, the weight gradient
and the column gradient, col2im as 9 strided adds); the same im2col in blocks of 9 images whose
columns stay in cache (`numpy blocked`); PyTorch. The gradients' checksums must agree.
The pools run on channels-last input as needl's conv leaves it (`max_pool2d_nchw`: on NCHW input,
as a user's own image batch), each against the four strided quarter views in NumPy.
Run: python benchmarks/conv.py [--quick] [conv2d | max_pool2d | max_pool2d_nchw | avg_pool2d]
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from common import Contender, StepWorkload, main

N, C, H, W, OUT, K = 64, 32, 28, 28, 64, 3


# ---- the hand-written NumPy version -------------------------------------------------------------

def numpy_conv_forward(x, weight, bias):
    """im2col on a channels-last padded copy, one GEMM, the result left as an NCHW view."""
    padded = np.pad(x.transpose(0, 2, 3, 1), ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = sliding_window_view(padded, (K, K), axis=(1, 2))  # (N, H, W, C, kh, kw)
    columns = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(N * H * W, K * K * C)
    weight_matrix = weight.transpose(2, 3, 1, 0).reshape(K * K * C, OUT)
    out = columns @ weight_matrix
    out += bias
    return out.reshape(N, H, W, OUT).transpose(0, 3, 1, 2), columns


def numpy_conv_backward(grad, columns, weight):
    grad_rows = np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).reshape(N * H * W, OUT)
    grad_weight = (columns.T @ grad_rows).reshape(K, K, C, OUT).transpose(3, 2, 0, 1)
    grad_bias = grad_rows.sum(0)
    grad_columns = (grad_rows @ weight.transpose(0, 2, 3, 1).reshape(OUT, K * K * C)).reshape(N, H, W, K, K, C)
    padded = np.zeros((N, H + 2, W + 2, C), grad.dtype)
    for i in range(K):
        for j in range(K):
            padded[:, i:i + H, j:j + W] += grad_columns[:, :, :, i, j]
    return padded[:, 1:-1, 1:-1].transpose(0, 3, 1, 2), grad_weight, grad_bias


def numpy_blocked_conv_step(x, weight, bias, grad, images=9):
    """The same im2col, in blocks of `images` images whose columns stay in cache; nothing saved."""
    padded = np.pad(x.transpose(0, 2, 3, 1), ((0, 0), (1, 1), (1, 1), (0, 0)))
    weight_matrix = weight.transpose(2, 3, 1, 0).reshape(K * K * C, OUT)
    out = np.empty((N, H, W, OUT), x.dtype)
    columns = np.empty((images, H, W, K, K, C), x.dtype)
    for start in range(0, N, images):
        block = columns[:min(images, N - start)]
        np.copyto(block, sliding_window_view(padded[start:start + images], (K, K), axis=(1, 2))
                  .transpose(0, 1, 2, 4, 5, 3))
        np.matmul(block.reshape(-1, K * K * C), weight_matrix, out=out[start:start + images].reshape(-1, OUT))
    out += bias
    grad_rows = np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).reshape(N * H * W, OUT)
    grad_weight = np.zeros((K * K * C, OUT), x.dtype)
    grad_padded = np.zeros((N, H + 2, W + 2, C), x.dtype)
    for start in range(0, N, images):
        block = columns[:min(images, N - start)]
        rows = grad_rows[start * H * W:(start + len(block)) * H * W]
        np.copyto(block, sliding_window_view(padded[start:start + images], (K, K), axis=(1, 2))
                  .transpose(0, 1, 2, 4, 5, 3))
        grad_weight += block.reshape(-1, K * K * C).T @ rows
        np.matmul(rows, weight_matrix.T, out=block.reshape(-1, K * K * C))
        for i in range(K):
            for j in range(K):
                grad_padded[start:start + len(block), i:i + H, j:j + W] += block[:, :, :, i, j]
    return (grad_padded[:, 1:-1, 1:-1].transpose(0, 3, 1, 2),
            grad_weight.reshape(K, K, C, OUT).transpose(3, 2, 0, 1), grad_rows.sum(0))


def numpy_pool_forward(x):
    """Channels-last (N, H, W, C) input: the maximum of the four strided quarter views."""
    out = np.maximum(x[:, 0::2, 0::2], x[:, 0::2, 1::2])
    np.maximum(out, x[:, 1::2, 0::2], out=out)
    np.maximum(out, x[:, 1::2, 1::2], out=out)
    return out


def numpy_pool_backward(grad, x, out):
    """Each gradient to every position that equals its window's maximum (ties are rare in floats)."""
    grad_input = np.empty_like(x)
    for i in range(2):
        for j in range(2):
            np.multiply(grad, x[:, i::2, j::2] == out, out=grad_input[:, i::2, j::2])
    return grad_input


def numpy_average_step(x, grad):
    """avg_pool2d(2) of a channels-last (N, H, W, C) input: the quarter views summed, then the
    quarter of the gradient (brought to channels-last once) copied into each quarter."""
    out = np.add(x[:, 0::2, 0::2], x[:, 0::2, 1::2])
    out += x[:, 1::2, 0::2]
    out += x[:, 1::2, 1::2]
    out *= np.float32(0.25)
    share = np.ascontiguousarray(grad) * np.float32(0.25)
    grad_input = np.empty_like(x)
    for i in range(2):
        for j in range(2):
            grad_input[:, i::2, j::2] = share
    return grad_input


def numpy_conv_step(x, weight, bias, grad):
    out, columns = numpy_conv_forward(x, weight, bias)
    return numpy_conv_backward(grad, columns, weight)


def numpy_pool_step(x, grad):
    out = numpy_pool_forward(x)
    return numpy_pool_backward(grad, x, out)


# ---- the contenders ----------------------------------------------------------------------------

def conv_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    weight = rng.standard_normal((OUT, C, K, K), dtype=np.float32) * np.float32(0.05)
    bias = rng.standard_normal(OUT, dtype=np.float32)
    grad = rng.standard_normal((N, OUT, H, W), dtype=np.float32)
    return x, weight, bias, grad


def pool_data():
    """The conv's output (NCHW) and a gradient for the pooled output, as after a Flatten (NCHW)."""
    x, weight, bias, _ = conv_data()
    rng = np.random.default_rng(1)
    return np.ascontiguousarray(numpy_conv_forward(x, weight, bias)[0]), \
        rng.standard_normal((N, OUT, H // 2, W // 2), dtype=np.float32)


def checksums(*grads):
    return tuple(float(np.abs(np.asarray(grad)).sum()) for grad in grads)


def numpy_conv(np_module, blocked=False):
    x, weight, bias, grad = conv_data()
    result = {}

    def step():
        result["grads"] = (numpy_blocked_conv_step if blocked else numpy_conv_step)(x, weight, bias, grad)
    return step, lambda: checksums(*result["grads"])


def framework_conv(library):
    x, weight, bias, grad = conv_data()
    if library.__name__ == "needl":  # needl's conv output (and so its gradient) is channels-last in memory
        grad = np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    x, weight, bias = (library.tensor(array, requires_grad=True) for array in (x, weight, bias))
    grad = library.from_numpy(grad)
    conv2d = library.nn.functional.conv2d

    def step():
        x.grad = weight.grad = bias.grad = None
        conv2d(x, weight, bias, padding=1).backward(grad)
    return step, lambda: checksums(x.grad.numpy(), weight.grad.numpy(), bias.grad.numpy())


def numpy_pool(np_module, average=False, nchw=False):
    x, grad = pool_data()
    x_last, grad_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)), grad.transpose(0, 2, 3, 1)
    if nchw:  # the same quarter views along H and W of an NCHW array, as (N, C, H, W) seen as (N, H, W, C)
        x_last = x.transpose(0, 2, 3, 1)
    result = {}

    def step():
        result["grad"] = (numpy_average_step if average else numpy_pool_step)(x_last, grad_last)
    return step, lambda: checksums(result["grad"])


def framework_pool(library, function="max_pool2d", nchw=False):
    x, grad = pool_data()
    if library.__name__ == "needl" and not nchw:  # the input as needl's conv leaves it: channels-last memory
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    x = library.tensor(x, requires_grad=True) if library.__name__ != "needl" else \
        library.from_numpy(x).requires_grad_()
    grad = library.from_numpy(grad)
    pool = getattr(library.nn.functional, function)

    def step():
        x.grad = None
        pool(x, 2).backward(grad)
    return step, lambda: checksums(x.grad.numpy())


WORKLOADS = {
    "conv2d": StepWorkload(
        label=f"Conv2d({C}, {OUT}, {K}, padding=1) fwd+bwd, {N}x{C}x{H}x{W}",
        title=f"Conv2d({C}, {OUT}, {K}, padding=1) forward + backward, {N}x{C}x{H}x{W} float32",
        contenders={"needl": Contender("needl", framework_conv),
                    "numpy by hand": Contender("numpy", numpy_conv),
                    "numpy blocked": Contender("numpy", lambda np_module: numpy_conv(np_module, blocked=True)),
                    "pytorch": Contender("torch", framework_conv)},
        rounds=9, repeat=3, tolerance=1e-3,
        targets=(("needl", "pytorch", ""), ("needl", "numpy blocked", ""))),
    "max_pool2d": StepWorkload(
        label=f"max_pool2d(2) fwd+bwd, {N}x{OUT}x{H}x{W}",
        title=f"max_pool2d(2) forward + backward, {N}x{OUT}x{H}x{W} float32",
        contenders={"needl": Contender("needl", framework_pool),
                    "numpy by hand": Contender("numpy", numpy_pool),
                    "pytorch": Contender("torch", framework_pool)},
        rounds=9, repeat=5, tolerance=1e-4,
        targets=(("needl", "pytorch", ""), ("needl", "numpy by hand", ""))),
    "max_pool2d_nchw": StepWorkload(
        label=f"max_pool2d(2) fwd+bwd, NCHW input, {N}x{OUT}x{H}x{W}",
        title=f"max_pool2d(2) forward + backward of an NCHW (contiguous) input, {N}x{OUT}x{H}x{W} float32",
        contenders={"needl": Contender("needl", lambda library: framework_pool(library, nchw=True)),
                    "numpy by hand": Contender("numpy", lambda np_module: numpy_pool(np_module, nchw=True)),
                    "pytorch": Contender("torch", lambda library: framework_pool(library, nchw=True))},
        rounds=9, repeat=5, tolerance=1e-4,
        targets=(("needl", "pytorch", ""), ("needl", "numpy by hand", ""))),
    "avg_pool2d": StepWorkload(
        label=f"avg_pool2d(2) fwd+bwd, {N}x{OUT}x{H}x{W}",
        title=f"avg_pool2d(2) forward + backward, {N}x{OUT}x{H}x{W} float32",
        contenders={"needl": Contender("needl", lambda library: framework_pool(library, "avg_pool2d")),
                    "numpy by hand": Contender("numpy", lambda np_module: numpy_pool(np_module, average=True)),
                    "pytorch": Contender("torch", lambda library: framework_pool(library, "avg_pool2d"))},
        rounds=9, repeat=5, tolerance=1e-4,
        targets=(("needl", "pytorch", ""), ("needl", "numpy by hand", ""))),
}


if __name__ == "__main__":
    main("conv")
