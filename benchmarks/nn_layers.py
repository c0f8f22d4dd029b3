"""Fused nn layers (one tape node, hand-written backward) vs the same maths from needl's basic ops vs PyTorch.

Forward + backward of: cross_entropy (512 x 1000 logits; GPT-sized 2048 x 65), batch_norm
(64 x 32 x 16 x 16, training; NCHW and channels-last), layer_norm (64 x 128 x 256; GPT-sized
32 x 64 x 128), linear (256 x 512 -> 512). Every case has weight and bias gradients where the layer
has them. Ratios are to PyTorch's.
Run: python benchmarks/nn_layers.py [--quick] [cross_entropy | cross_entropy_gpt | batch_norm |
batch_norm_channels_last | layer_norm | layer_norm_gpt | linear]
"""
from functools import partial

import numpy as np

from common import Contender, StepWorkload, main


def composite_cross_entropy(logits, target):
    picked = logits.log_softmax(1)[np.arange(len(target.numpy())), target.numpy()]
    return -picked.mean()


def composite_batch_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    centred = x - mean
    variance = (centred * centred).mean(dim=(0, 2, 3), keepdim=True)
    return centred / (variance + eps).sqrt() * weight.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)


def composite_layer_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    variance = (centred * centred).mean(dim=-1, keepdim=True)
    return centred / (variance + eps).sqrt() * weight + bias


def cross_entropy_case(library, composite=False, rows=512, classes=1000):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal((rows, classes), dtype=np.float32), requires_grad=True)
    y = library.from_numpy(rng.integers(0, classes, rows))
    loss_function = composite_cross_entropy if composite else library.nn.functional.cross_entropy

    def step():
        x.grad = None
        loss = loss_function(x, y)
        loss.backward()
        return loss
    return step, lambda: (float(step()), float(x.grad.abs().sum()))


def _channels_last(array):
    """The same values with the channels as the last memory axis (as convolutions leave them)."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def batch_norm_case(library, composite=False, channels_last=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)
    upstream = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)
    if channels_last:  # from_numpy keeps the strides in both libraries
        x, upstream = _channels_last(x), _channels_last(upstream)
    x, upstream = library.from_numpy(x).requires_grad_(), library.from_numpy(upstream)
    weight, bias = library.ones(32, requires_grad=True), library.zeros(32, requires_grad=True)
    batch_norm = library.nn.functional.batch_norm

    def step():
        x.grad = weight.grad = bias.grad = None
        out = composite_batch_norm(x, weight, bias) if composite else \
            batch_norm(x, None, None, weight, bias, training=True)
        out.backward(upstream)
    return step, lambda: (float(x.grad.abs().sum()), float(weight.grad.abs().sum()))


def layer_norm_case(library, composite=False, shape=(64, 128, 256)):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    upstream = library.from_numpy(rng.standard_normal(shape, dtype=np.float32))
    width = shape[-1]
    weight, bias = library.ones(width, requires_grad=True), library.zeros(width, requires_grad=True)
    layer_norm = library.nn.functional.layer_norm

    def step():
        x.grad = weight.grad = bias.grad = None
        out = composite_layer_norm(x, weight, bias) if composite else layer_norm(x, (width,), weight, bias)
        out.backward(upstream)
    return step, lambda: (float(x.grad.abs().sum()), float(weight.grad.abs().sum()))


def linear_case(library, composite=False):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal((256, 512), dtype=np.float32), requires_grad=True)
    weight = library.tensor(rng.standard_normal((512, 512), dtype=np.float32) * np.float32(0.04),
                            requires_grad=True)
    bias = library.zeros(512, requires_grad=True)
    upstream = library.from_numpy(rng.standard_normal((256, 512), dtype=np.float32))
    linear = library.nn.functional.linear

    def step():
        x.grad = weight.grad = bias.grad = None
        out = x @ weight.T + bias if composite else linear(x, weight, bias)
        out.backward(upstream)
    return step, lambda: (float(x.grad.abs().sum()), float(weight.grad.abs().sum()))


def workload(name, case, tolerance):
    return StepWorkload(
        label=f"{name} fwd+bwd",
        title=f"{name} forward + backward (fused needl op vs needl's basic ops vs PyTorch)",
        contenders={"needl": Contender("needl", case),
                    "needl composite": Contender("needl", partial(case, composite=True)),
                    "pytorch": Contender("torch", case)},
        rounds=9, repeat=10, tolerance=tolerance, targets=(("needl", "pytorch", ""),))


WORKLOADS = {"cross_entropy": workload("cross_entropy (512 x 1000 logits)", cross_entropy_case, 1e-4),
             "cross_entropy_gpt": workload("cross_entropy (2048 x 65 logits, GPT-sized)",
                                           partial(cross_entropy_case, rows=2048, classes=65), 1e-4),
             "batch_norm": workload("batch_norm (64 x 32 x 16 x 16, training)", batch_norm_case, 1e-3),
             "batch_norm_channels_last": workload("batch_norm (64 x 32 x 16 x 16, training, channels-last)",
                                                  partial(batch_norm_case, channels_last=True), 1e-3),
             "layer_norm": workload("layer_norm (64 x 128 x 256)", layer_norm_case, 1e-3),
             "layer_norm_gpt": workload("layer_norm (32 x 64 x 128, GPT-sized)",
                                        partial(layer_norm_case, shape=(32, 64, 128)), 1e-3),
             "linear": workload("linear (256 x 512 -> 512)", linear_case, 1e-4)}


if __name__ == "__main__":
    main("nn_layers")
