"""Fused nn layers (one tape node, hand-written backward) vs the same maths from needl's basic ops vs PyTorch.

Forward + backward of: cross_entropy (512 x 1000 logits), batch_norm (64 x 32 x 16 x 16, training),
layer_norm (64 x 128 x 256), linear (256 x 512 -> 512). Ratios are to the fused needl version.
Run: python benchmarks/nn_layers.py [--quick]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import needl  # noqa: E402
import needl.nn.functional as F  # noqa: E402
from common import interleaved, optional_torch, report  # noqa: E402


def composite_cross_entropy(logits, target):
    picked = logits.log_softmax(1)[np.arange(len(target.detach().numpy())), target.detach().numpy()]
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


def cross_entropy_case(rng, torch):
    logits = rng.standard_normal((512, 1000), dtype=np.float32)
    labels = rng.integers(0, 1000, 512)
    x, y = needl.tensor(logits, requires_grad=True), needl.tensor(labels)
    steps = {"needl fused": lambda: F.cross_entropy(x, y).backward(),
             "needl composite": lambda: composite_cross_entropy(x, y).backward()}
    if torch:
        tx, ty = torch.tensor(logits, requires_grad=True), torch.tensor(labels)
        steps["torch"] = lambda: torch.nn.functional.cross_entropy(tx, ty).backward()
    return steps


def batch_norm_case(rng, torch):
    images = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)
    x = needl.tensor(images, requires_grad=True)
    w, b = needl.ones(32, requires_grad=True), needl.zeros(32, requires_grad=True)
    upstream = needl.tensor(rng.standard_normal(images.shape, dtype=np.float32))
    steps = {"needl fused": lambda: F.batch_norm(x, None, None, w, b, training=True).backward(upstream),
             "needl composite": lambda: composite_batch_norm(x, w, b).backward(upstream)}
    if torch:
        tx = torch.tensor(images, requires_grad=True)
        tw, tb = torch.ones(32, requires_grad=True), torch.zeros(32, requires_grad=True)
        tu = torch.tensor(upstream.detach().numpy())
        steps["torch"] = lambda: torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True).backward(tu)
    return steps


def layer_norm_case(rng, torch):
    tokens = rng.standard_normal((64, 128, 256), dtype=np.float32)
    x = needl.tensor(tokens, requires_grad=True)
    w, b = needl.ones(256, requires_grad=True), needl.zeros(256, requires_grad=True)
    upstream = needl.tensor(rng.standard_normal(tokens.shape, dtype=np.float32))
    steps = {"needl fused": lambda: F.layer_norm(x, (256,), w, b).backward(upstream),
             "needl composite": lambda: composite_layer_norm(x, w, b).backward(upstream)}
    if torch:
        tx = torch.tensor(tokens, requires_grad=True)
        tw, tb = torch.ones(256, requires_grad=True), torch.zeros(256, requires_grad=True)
        tu = torch.tensor(upstream.detach().numpy())
        steps["torch"] = lambda: torch.nn.functional.layer_norm(tx, (256,), tw, tb).backward(tu)
    return steps


def linear_case(rng, torch):
    inputs = rng.standard_normal((256, 512), dtype=np.float32)
    x = needl.tensor(inputs, requires_grad=True)
    w = needl.tensor(rng.standard_normal((512, 512), dtype=np.float32) * 0.04, requires_grad=True)
    b = needl.zeros(512, requires_grad=True)
    upstream = needl.tensor(rng.standard_normal((256, 512), dtype=np.float32))
    steps = {"needl fused": lambda: F.linear(x, w, b).backward(upstream),
             "needl composite": lambda: (x @ w.T + b).backward(upstream)}
    if torch:
        tx, tw = torch.tensor(inputs, requires_grad=True), torch.tensor(w.detach().numpy(), requires_grad=True)
        tb, tu = torch.zeros(512, requires_grad=True), torch.tensor(upstream.detach().numpy())
        steps["torch"] = lambda: torch.nn.functional.linear(tx, tw, tb).backward(tu)
    return steps


def cases(rng, torch):
    """name -> {contender: step function}."""
    return {"cross_entropy": cross_entropy_case(rng, torch), "batch_norm": batch_norm_case(rng, torch),
            "layer_norm": layer_norm_case(rng, torch), "linear": linear_case(rng, torch)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    torch = optional_torch()
    rng = np.random.default_rng(0)
    for name, steps in cases(rng, torch).items():
        print(f"\n{name} (forward + backward)")
        samples = interleaved(steps, rounds=2 if args.quick else 7, repeat=2 if args.quick else 10, warmup=1)
        report(samples, "needl fused")


if __name__ == "__main__":
    main()
