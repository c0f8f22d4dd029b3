"""Benchmark: Conv2d(32, 64, 3, padding=1) and max_pool2d(2), forward + backward, float32.

needl against the best hand-written NumPy im2col version written here, and against PyTorch
on the CPU when it is installed. Ratios come from one run (the minimum over repeats of each,
the contenders interleaved so that they share the machine's load). Also reports the peak
memory of needl's conv step against the size of its column matrix.

    python benchmarks/conv.py [--repeat 7]
"""
import argparse
import os
import sys
import time
import tracemalloc

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from common import optional_torch  # noqa: E402
from needl.autograd import Tensor  # noqa: E402
from needl.autograd.ops.conv import conv2d  # noqa: E402
from needl.autograd.ops.pool import max_pool2d  # noqa: E402
from needl.autograd.ops.windows import clear_workspace  # noqa: E402

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


def numpy_conv_step(x, weight, bias, grad):
    out, columns = numpy_conv_forward(x, weight, bias)
    return numpy_conv_backward(grad, columns, weight)


def numpy_pool_step(x, grad):
    out = numpy_pool_forward(x)
    return numpy_pool_backward(grad, x, out)


# ---- needl and PyTorch --------------------------------------------------------------------------

def needl_conv_step(x, weight, bias, grad):
    x.grad = weight.grad = bias.grad = None
    conv2d(x, weight, bias, padding=1).backward(grad)


def needl_pool_step(x, grad):
    x.grad = None
    max_pool2d(x, 2).backward(grad)


def best_time(step, repeat, number=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            step()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (--repeat 1)")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    weight = (rng.standard_normal((OUT, C, K, K), dtype=np.float32) * 0.05).astype(np.float32)
    bias = rng.standard_normal(OUT, dtype=np.float32)
    conv_grad = rng.standard_normal((N, OUT, H, W), dtype=np.float32)
    conv_out = numpy_conv_forward(x, weight, bias)[0]
    pool_input = np.ascontiguousarray(conv_out)  # NCHW, for PyTorch
    pool_input_last = np.ascontiguousarray(conv_out.transpose(0, 2, 3, 1))  # what NumPy by hand pools
    pool_grad = rng.standard_normal((N, OUT, H // 2, W // 2), dtype=np.float32)
    pool_grad_last = pool_grad.transpose(0, 2, 3, 1)  # both get the gradient in NCHW memory, as from a Flatten

    # needl sees its own layout: its conv output (channels-last in memory) and gradient
    tx, tw, tb = (Tensor(a, requires_grad=True) for a in (x, weight, bias))
    needl_out = conv2d(tx, tw, tb, padding=1).detach().numpy()
    tp = Tensor(needl_out.copy(order="K"), requires_grad=True)
    t_conv_grad = Tensor(np.ascontiguousarray(conv_grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2))
    t_pool_grad = Tensor(pool_grad)

    steps = {
        "conv": {
            "needl": lambda: needl_conv_step(tx, tw, tb, t_conv_grad),
            "numpy": lambda: numpy_conv_step(x, weight, bias, conv_grad),
            "numpy_blocked": lambda: numpy_blocked_conv_step(x, weight, bias, conv_grad),
        },
        "max_pool2d": {
            "needl": lambda: needl_pool_step(tp, t_pool_grad),
            "numpy": lambda: numpy_pool_step(pool_input_last, pool_grad_last),
        },
    }
    torch = optional_torch()
    if torch is not None:
        px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
        pp = torch.tensor(pool_input, requires_grad=True)
        p_conv_grad, p_pool_grad = torch.tensor(conv_grad), torch.tensor(pool_grad)

        def torch_conv_step():
            px.grad = pw.grad = pb.grad = None
            torch.nn.functional.conv2d(px, pw, pb, padding=1).backward(p_conv_grad)

        def torch_pool_step():
            pp.grad = None
            torch.nn.functional.max_pool2d(pp, 2).backward(p_pool_grad)

        steps["conv"]["torch"] = torch_conv_step
        steps["max_pool2d"]["torch"] = torch_pool_step
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        print("torch not installed: comparing with NumPy only")

    # correctness of the contenders against each other before timing
    needl_conv_step(tx, tw, tb, t_conv_grad)
    reference = numpy_conv_step(x, weight, bias, conv_grad)
    for mine, theirs, blocked in zip((tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()), reference,
                                     numpy_blocked_conv_step(x, weight, bias, conv_grad)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-3, atol=1e-2)
        np.testing.assert_allclose(blocked, theirs, rtol=1e-3, atol=1e-2)
    needl_pool_step(tp, t_pool_grad)
    np.testing.assert_allclose(tp.grad.numpy(), numpy_pool_step(pool_input_last, pool_grad_last).transpose(0, 3, 1, 2))

    print(f"forward + backward, batch {N}x{C}x{H}x{W} float32, min of {args.repeat} repeats (ms)")
    for name, contenders in steps.items():
        times = {who: float("inf") for who in contenders}
        for _ in range(args.repeat):  # interleaved: every contender sees the same load
            for who, step in contenders.items():
                times[who] = min(times[who], best_time(step, 1))
        line = "  ".join(f"{who} {t * 1e3:7.2f}" for who, t in times.items())
        ratios = "  ".join(f"needl/{who} {times['needl'] / t:.2f}x" for who, t in times.items() if who != "needl")
        print(f"{name:11s} {line}   {ratios}")

    clear_workspace()
    tracemalloc.start()
    needl_conv_step(tx, tw, tb, t_conv_grad)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    columns = N * H * W * C * K * K * 4
    print(f"conv step peak memory {peak / 2**20:.1f} MiB = {peak / columns:.2f}x its column matrix "
          f"({columns / 2**20:.1f} MiB; parameters, input and the gradient given are not counted)")


if __name__ == "__main__":
    main()
