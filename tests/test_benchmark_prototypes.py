"""benchmarks/prototypes.py computes what needl computes (so its timings compare like with like),
and every case of benchmarks/kernels.py runs one needl step."""
import os
import sys

import numpy as np
import pytest

import needl
import needl.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import kernels  # noqa: E402
import prototypes  # noqa: E402


def test_prototype_gelu_matches_needl_forward_and_backward():
    x = np.random.default_rng(0).standard_normal(70000).astype(np.float32) * 4  # more than one block
    x[:3] = (-30.0, 0.0, 30.0)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    output, cdf = prototypes.gelu_forward(x)
    leaf = needl.tensor(x, requires_grad=True)
    expected = F.gelu(leaf)
    expected.backward(needl.tensor(g))
    assert output.dtype == np.float32
    np.testing.assert_allclose(output, expected.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(prototypes.gelu_backward(g, x, cdf), leaf.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_prototype_cross_entropy_and_fused_lm_head_match_needl():
    rng = np.random.default_rng(0)
    hidden = rng.standard_normal((50, 8)).astype(np.float32)
    weight = rng.standard_normal((7, 8)).astype(np.float32)
    target = rng.integers(0, 7, 50)
    hidden[0] *= 100  # a row far above the others: its neighbours fall back to row maxima
    leaves = [needl.tensor(hidden, requires_grad=True), needl.tensor(weight, requires_grad=True)]
    expected = F.cross_entropy(F.linear(*leaves), needl.tensor(target))
    expected.backward()
    loss, probabilities = prototypes.cross_entropy_forward(hidden @ weight.T, target)
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-5)
    fused = prototypes.lm_head_cross_entropy_op(needl)
    mine = [needl.tensor(hidden, requires_grad=True), needl.tensor(weight, requires_grad=True)]
    value = fused(mine[0], mine[1], target)[0]
    value.backward()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-5)
    for a, b in zip(mine, leaves):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(kernels.WORKLOADS))
def test_kernel_cases_run_in_needl(name):
    step, check = kernels.WORKLOADS[name].contenders["needl"].build(needl)
    step()
    assert all(np.isfinite(value) for value in check())
