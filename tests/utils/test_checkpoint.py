"""Activation checkpointing gives the gradients of the plain run, dropout masks included."""
import numpy as np

import needl
import needl.nn as nn
from needl.utils.checkpoint import checkpoint, checkpoint_sequential


def gradients(run):
    needl.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 2), nn.ReLU(), nn.Linear(2, 1))
    x = needl.tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    needl.manual_seed(7)
    run(net, x).pow(2).sum().backward()
    return [p.grad.numpy() for p in net.parameters()] + [x.grad.numpy()]


def test_checkpoint_and_checkpoint_sequential_match_the_plain_run():
    reference = gradients(lambda net, x: net(x))
    for run in (lambda net, x: checkpoint(net, x, use_reentrant=False),
                lambda net, x: checkpoint_sequential(net, 3, x)):
        for expected, got in zip(reference, gradients(run)):
            np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_checkpoint_keeps_no_intermediate_graph():
    x = needl.randn(3, 3, requires_grad=True)
    y = checkpoint(lambda value: (value * 2).tanh() * 3, x, use_reentrant=False)
    assert y.grad_fn.name() == "CheckpointBackward"
    assert not any(isinstance(node_input, needl.Tensor) and node_input.grad_fn is not None
                   for node_input in y.grad_fn.inputs)
