"""Optimizer steps alone: SGD(momentum 0.9), Adam, AdamW with weight-decay groups, float32.

Two parameter sets: the MLP's 6 tensors (784x512, 512x512, 512x10 and biases: big tensors) and a
nanoGPT-like set of 52 tensors (width 128, 4 layers, vocabulary 65, block 64: embeddings, norm
weights, attention and MLP matrices, biases; ~0.8 M numbers), the GPT's usual AdamW groups
(matrices decayed, vectors not). Each step updates from fixed gradients (no forward/backward).
Contenders: needl, PyTorch's default (on the CPU its per-tensor loop) and PyTorch foreach=True.
Run: python benchmarks/optimizer.py [--quick] [--baseline OTHER_CHECKOUT] [gpt_adam ...]
"""
import numpy as np

from common import Contender, StepWorkload, main

MLP = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]


def gpt_shapes(width=128, layers=4, vocabulary=65, block=64):
    shapes = [(vocabulary, width), (block, width)]
    for _ in range(layers):
        shapes += [(width,), (width,), (3 * width, width), (3 * width,), (width, width), (width,),
                   (width,), (width,), (4 * width, width), (4 * width,), (width, 4 * width), (width,)]
    return shapes + [(width,), (width,)]


def optimizer_step(shapes, name, options=None):
    """A Contender build: the parameters and gradients drawn from one seed, then `step` steps."""
    def build(library):
        rng = np.random.default_rng(0)
        params = [library.tensor(rng.standard_normal(shape).astype(np.float32) * 0.02,
                                 requires_grad=True) for shape in shapes]
        for param in params:
            param.grad = library.tensor(rng.standard_normal(tuple(param.shape)).astype(np.float32) * 0.01)
        extra = options or {}
        if name == "SGD":
            optimizer = library.optim.SGD(params, lr=0.01, momentum=0.9, **extra)
        elif name == "Adam":
            optimizer = library.optim.Adam(params, lr=1e-3, **extra)
        else:
            groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.1},
                      {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
            optimizer = library.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95), **extra)

        def step():
            optimizer.step()
        return step, lambda: (float(params[0].detach().sum()), float(params[-1].detach().sum()))
    return build


def workload(set_name, shapes, name):
    size = sum(int(np.prod(shape)) for shape in shapes)
    return StepWorkload(
        label=f"{name} step, {set_name} ({len(shapes)} tensors)",
        title=f"{name} step over {len(shapes)} tensors of the {set_name} ({size} numbers), float32",
        contenders={"needl": Contender("needl", optimizer_step(shapes, name)),
                    "pytorch": Contender("torch", optimizer_step(shapes, name)),
                    "pytorch foreach": Contender("torch", optimizer_step(shapes, name, {"foreach": True}))},
        rounds=11, repeat=40, warmup=10, tolerance=1e-4,
        targets=(("needl", "pytorch", ""),))


WORKLOADS = {f"{set_name}_{name.lower()}": workload(set_name, shapes, name)
             for set_name, shapes in (("mlp", MLP), ("gpt", gpt_shapes()))
             for name in ("SGD", "Adam", "AdamW")}


if __name__ == "__main__":
    main("optimizer")
