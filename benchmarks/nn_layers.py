"""Fused nn layers (one tape node, hand-written backward) vs the same maths from needl's basic ops vs PyTorch.

Forward + backward of: cross_entropy (512 x 1000 logits), batch_norm (64 x 32 x 16 x 16, training),
layer_norm (64 x 128 x 256), linear (256 x 512 -> 512). Ratios are to PyTorch's.
Run: python benchmarks/nn_layers.py [--quick] [cross_entropy | batch_norm | layer_norm | linear]
"""
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


def cross_entropy_case(library, composite=False):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal((512, 1000), dtype=np.float32), requires_grad=True)
    y = library.from_numpy(rng.integers(0, 1000, 512))
    loss_function = composite_cross_entropy if composite else library.nn.functional.cross_entropy

    def step():
        x.grad = None
        loss = loss_function(x, y)
        loss.backward()
        return loss
    return step, lambda: (float(step()), float(x.grad.abs().sum()))


def batch_norm_case(library, composite=False):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal((64, 32, 16, 16), dtype=np.float32), requires_grad=True)
    upstream = library.from_numpy(rng.standard_normal((64, 32, 16, 16), dtype=np.float32))
    weight, bias = library.ones(32, requires_grad=True), library.zeros(32, requires_grad=True)
    batch_norm = library.nn.functional.batch_norm

    def step():
        x.grad = weight.grad = bias.grad = None
        out = composite_batch_norm(x, weight, bias) if composite else \
            batch_norm(x, None, None, weight, bias, training=True)
        out.backward(upstream)
    return step, lambda: (float(x.grad.abs().sum()), float(weight.grad.abs().sum()))


def layer_norm_case(library, composite=False):
    rng = np.random.default_rng(0)
    x = library.tensor(rng.standard_normal((64, 128, 256), dtype=np.float32), requires_grad=True)
    upstream = library.from_numpy(rng.standard_normal((64, 128, 256), dtype=np.float32))
    weight, bias = library.ones(256, requires_grad=True), library.zeros(256, requires_grad=True)
    layer_norm = library.nn.functional.layer_norm

    def step():
        x.grad = weight.grad = bias.grad = None
        out = composite_layer_norm(x, weight, bias) if composite else layer_norm(x, (256,), weight, bias)
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
                    "needl composite": Contender("needl", lambda library: case(library, composite=True)),
                    "pytorch": Contender("torch", case)},
        rounds=9, repeat=10, tolerance=tolerance, targets=(("needl", "pytorch", ""),))


WORKLOADS = {"cross_entropy": workload("cross_entropy (512 x 1000 logits)", cross_entropy_case, 1e-4),
             "batch_norm": workload("batch_norm (64 x 32 x 16 x 16, training)", batch_norm_case, 1e-3),
             "layer_norm": workload("layer_norm (64 x 128 x 256)", layer_norm_case, 1e-3),
             "linear": workload("linear (256 x 512 -> 512)", linear_case, 1e-4)}


if __name__ == "__main__":
    main("nn_layers")
