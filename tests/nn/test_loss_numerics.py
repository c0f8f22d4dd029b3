"""Losses in float32 where naive formulas lose precision or give NaN gradients (issue 11)."""
import numpy as np
import pytest

import needl
import needl.nn.functional as F


def reference_cross_entropy(logits, target):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -log_probabilities[np.arange(len(target)), target].mean()


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_precise_at_large_logits(label_smoothing):
    logits = np.array([[1e4, 1e4 + 1, 1e4 - 3], [-1e4, -1e4 + 2, -1e4]], np.float32)
    target = np.array([1, 0])
    loss = F.cross_entropy(needl.tensor(logits), needl.tensor(target), label_smoothing=label_smoothing)
    if label_smoothing == 0:
        assert abs(loss.item() - reference_cross_entropy(logits, target)) < 1e-6
    leaf = needl.tensor(logits, requires_grad=True)
    F.cross_entropy(leaf, needl.tensor(target)).backward()
    shifted = logits.astype(np.float64) - logits.max(1, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(1, keepdims=True)
    softmax[np.arange(2), target] -= 1
    np.testing.assert_allclose(leaf.grad.numpy(), softmax / 2, atol=1e-7)
    probabilities = needl.tensor(np.eye(3, dtype=np.float32)[target])
    soft = F.cross_entropy(needl.tensor(logits), probabilities)
    assert abs(soft.item() - reference_cross_entropy(logits, target)) < 1e-6


@pytest.mark.parametrize("loss,options", [("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}),
                                          ("nll_loss", {})])
def test_all_targets_ignored_gives_zero_gradient(loss, options):
    leaf = needl.randn(3, 4, requires_grad=True)
    target = needl.full((3,), -100, dtype=needl.int64)
    value = getattr(F, loss)(leaf, target, **options)
    assert np.isnan(value.item())  # 0 / 0, as in PyTorch
    value.backward()
    assert np.all(leaf.grad.numpy() == 0)


def test_all_targets_ignored_second_order():
    leaf = needl.randn(3, 4, dtype=needl.float64, requires_grad=True)
    target = needl.full((3,), -100, dtype=needl.int64)
    (grad,) = needl.autograd.grad(F.cross_entropy(leaf, target), [leaf], create_graph=True)
    assert np.all(grad.detach().numpy() == 0)


def test_binary_cross_entropy_refuses_nan_and_out_of_range():
    with pytest.raises(RuntimeError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(needl.tensor([float("nan"), 0.5]), needl.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(needl.tensor([0.5]), needl.tensor([2.0]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(needl.tensor([0.5]), needl.tensor([float("nan")]))


def test_binary_cross_entropy_of_a_sigmoid_output():
    logits = needl.tensor([-17.0, -12.0, 3.0])
    target = needl.tensor([1.0, 1.0, 0.0])
    through_sigmoid = F.binary_cross_entropy(logits.sigmoid(), target)
    stable = F.binary_cross_entropy_with_logits(logits, target)
    assert through_sigmoid.item() == pytest.approx(stable.item(), rel=1e-5)


def test_cosine_similarity_with_a_zero_row_has_finite_gradients():
    zero = needl.zeros(2, 3, requires_grad=True)
    other = needl.randn(2, 3, requires_grad=True)
    similarity = F.cosine_similarity(zero, other)
    assert similarity.tolist() == [0, 0]
    similarity.sum().backward()
    assert np.all(np.isfinite(zero.grad.numpy())) and np.all(other.grad.numpy() == 0)
    unit = needl.randn(4, 3, dtype=needl.float64, requires_grad=True)
    constant = needl.randn(4, 3, dtype=needl.float64)
    assert needl.autograd.gradcheck(lambda a: F.cosine_similarity(a, constant), (unit,))
