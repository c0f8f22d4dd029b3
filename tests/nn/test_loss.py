"""Losses: float64 gradchecks for every loss and reduction, reference values, and bad targets."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck

REDUCTIONS = ["mean", "sum", "none"]


def leaf(*shape, seed=0, low=None, high=None):
    generator = np.random.default_rng(seed)
    values = generator.standard_normal(shape) if low is None else generator.uniform(low, high, shape)
    return needl.tensor(values, requires_grad=True)


def labels(*shape, classes=4, seed=0):
    return needl.tensor(np.random.default_rng(seed).integers(0, classes, shape))


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ---- gradchecks -------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_gradcheck(reduction):
    x, y = leaf(3, 4), leaf(3, 4, seed=1)
    for loss in (F.mse_loss, F.l1_loss, lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.5),
                 lambda a, b, reduction: F.huber_loss(a, b, reduction=reduction, delta=0.7)):
        assert gradcheck(lambda a, b: loss(a, b, reduction=reduction), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses_gradcheck(reduction):
    probabilities, target = leaf(3, 4, low=0.05, high=0.95), leaf(3, 4, seed=1, low=0, high=1)
    weight = needl.tensor(np.random.default_rng(2).uniform(0.5, 2, (3, 4)))
    assert gradcheck(lambda p, t: F.binary_cross_entropy(p, t, weight, reduction=reduction), (probabilities, target))
    logits = leaf(3, 4)
    pos_weight = needl.tensor(np.array([0.5, 1.0, 2.0, 3.0]))
    assert gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight, reduction=reduction,
                                                                     pos_weight=pos_weight), (logits, target))
    assert gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), (logits, target))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target):
    x = leaf(3, 4)
    target = leaf(3, 4, seed=1) if log_target else leaf(3, 4, seed=1, low=0.1, high=1)
    with pytest.warns(UserWarning) if reduction == "mean" else _no_warning():
        assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), (x, target))


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_gradcheck(reduction, label_smoothing, weighted):
    weight = needl.tensor(np.array([0.5, 1.0, 2.0, 1.5])) if weighted else None
    target = needl.tensor(np.array([0, 3, -100, 2, 1]))
    assert gradcheck(lambda x: F.cross_entropy(x, target, weight, reduction=reduction,
                                               label_smoothing=label_smoothing), (leaf(5, 4),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_unbatched_gradcheck(reduction):
    assert gradcheck(lambda x: F.cross_entropy(x, labels(2, 3, 2, classes=4), reduction=reduction,
                                               label_smoothing=0.1), (leaf(2, 4, 3, 2),))
    assert gradcheck(lambda x: F.cross_entropy(x, needl.tensor(2), reduction=reduction), (leaf(4),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_gradcheck(reduction):
    target = leaf(3, 4, seed=1, low=0, high=1)
    target.data /= target.data.sum(1, keepdims=True)
    weight = needl.tensor(np.array([0.5, 1.0, 2.0, 1.5]))
    assert gradcheck(lambda x, t: F.cross_entropy(x, t, weight, reduction=reduction, label_smoothing=0.2),
                     (leaf(3, 4), target))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction):
    weight = needl.tensor(np.array([0.5, 1.0, 2.0, 1.5]))
    target = needl.tensor(np.array([0, 3, -100, 2]))
    assert gradcheck(lambda x: F.nll_loss(x, target, weight, reduction=reduction), (leaf(4, 4),))
    assert gradcheck(lambda x: F.nll_loss(x, labels(2, 3), reduction=reduction), (leaf(2, 4, 3),))


# ---- values -----------------------------------------------------------------------------------

def test_cross_entropy_values_match_the_definition():
    x = np.random.default_rng(0).standard_normal((6, 5))
    target = np.array([0, 4, 2, -100, 1, 1])
    weight = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    log_p = log_softmax(x, 1)
    valid = target != -100
    picked = -log_p[np.arange(6), np.where(valid, target, 0)]
    w = weight[np.where(valid, target, 0)] * valid
    expected_nll = (picked * w).sum() / w.sum()
    got = F.cross_entropy(needl.tensor(x), needl.tensor(target), needl.tensor(weight)).item()
    assert got == pytest.approx(expected_nll, rel=1e-12)
    smooth = (-(log_p * weight).sum(1) * valid).sum() / w.sum()
    got = F.cross_entropy(needl.tensor(x), needl.tensor(target), needl.tensor(weight), label_smoothing=0.2).item()
    assert got == pytest.approx(0.8 * expected_nll + 0.2 / 5 * smooth, rel=1e-12)
    per_element = F.cross_entropy(needl.tensor(x), needl.tensor(target), reduction="none").detach().numpy()
    np.testing.assert_allclose(per_element, picked * valid)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x = needl.randn(4, 3, requires_grad=True)
    target = needl.tensor([0, 2, 1, 1])
    F.cross_entropy(x, target).backward()
    probabilities = np.exp(log_softmax(x.detach().numpy().astype(np.float64), 1))
    probabilities[np.arange(4), target.detach().numpy()] -= 1
    np.testing.assert_allclose(x.grad.numpy(), probabilities / 4, rtol=1e-5, atol=1e-7)
    assert x.grad.dtype == np.float32


def test_cross_entropy_is_stable_for_huge_logits_and_keeps_float32():
    x = needl.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, needl.tensor([1]))
    loss.backward()
    assert loss.dtype == np.float32 and loss.item() == pytest.approx(2000.0)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_probability_target_equals_hard_target_when_one_hot():
    x = needl.randn(5, 4)
    target = labels(5)
    soft = F.one_hot(target, 4).astype(needl.float32)
    assert F.cross_entropy(x, soft).item() == pytest.approx(F.cross_entropy(x, target).item(), rel=1e-6)


def test_regression_values():
    x, y = needl.tensor([1.0, -2.0, 0.5]), needl.tensor([0.0, 0.0, 0.0])
    assert F.mse_loss(x, y).item() == pytest.approx((1 + 4 + 0.25) / 3)
    assert F.l1_loss(x, y, reduction="sum").item() == pytest.approx(3.5)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, reduction="none").detach().numpy(), [0.5, 1.5, 0.125])
    np.testing.assert_allclose(F.huber_loss(x, y, reduction="none", delta=2.0).detach().numpy(), [0.5, 2.0, 0.125])


def test_bce_values_and_clamped_log():
    p, t = needl.tensor([0.9, 0.2]), needl.tensor([1.0, 0.0])
    assert F.binary_cross_entropy(p, t).item() == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-6)
    assert F.binary_cross_entropy(needl.tensor([0.0]), needl.tensor([1.0])).item() == pytest.approx(100.0)
    logits = needl.tensor([2.0, -1.0])
    assert F.binary_cross_entropy_with_logits(logits, t).item() == pytest.approx(
        F.binary_cross_entropy(logits.sigmoid(), t).item(), rel=1e-6)


def test_one_hot():
    result = F.one_hot(needl.tensor([0, 2, 1]), 4)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result.detach().numpy(), np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(needl.tensor([[1], [3]])).shape == (2, 1, 4)


# ---- modules ----------------------------------------------------------------------------------

def test_loss_modules_forward_their_options():
    x, target = needl.randn(5, 4), labels(5)
    weight = needl.tensor([1.0, 2.0, 3.0, 4.0])
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, label_smoothing=0.1, reduction="sum")
    assert module(x, target).item() == pytest.approx(
        F.cross_entropy(x, target, weight, ignore_index=1, label_smoothing=0.1, reduction="sum").item())
    assert list(module.state_dict()) == ["weight"]
    y = needl.randn(5, 4)
    assert nn.MSELoss(reduction="none")(x, y).shape == (5, 4)
    assert nn.HuberLoss(delta=0.5)(x, y).item() == pytest.approx(F.huber_loss(x, y, delta=0.5).item())
    assert nn.SmoothL1Loss(beta=0.5)(x, y).item() == pytest.approx(F.smooth_l1_loss(x, y, beta=0.5).item())
    assert nn.NLLLoss()(x.log_softmax(1), target).item() == pytest.approx(F.cross_entropy(x, target).item(), rel=1e-6)
    assert nn.KLDivLoss(reduction="batchmean", log_target=True)(x, y).shape == ()
    assert nn.BCEWithLogitsLoss(pos_weight=needl.ones(4))(x, y.sigmoid()).shape == ()
    assert nn.BCELoss()(x.sigmoid(), y.sigmoid()).shape == ()
    assert nn.L1Loss(size_average=False)(x, y).item() == pytest.approx(np.abs(x.detach().numpy() - y.detach().numpy()).sum(), rel=1e-5)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


# ---- errors -----------------------------------------------------------------------------------

def test_cross_entropy_float_class_labels_are_a_clear_error():
    with pytest.raises(TypeError, match="class indices of an integer dtype.*float32"):
        F.cross_entropy(needl.randn(3, 4), needl.tensor([0.0, 1.0, 2.0]))


def test_cross_entropy_out_of_range_class_is_a_clear_error():
    with pytest.raises(IndexError, match=r"Target 4 is out of bounds.*\[0, 3\].*4 classes"):
        F.cross_entropy(needl.randn(3, 4), needl.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.nll_loss(needl.randn(3, 4), needl.tensor([0, -1, 1]))


def test_cross_entropy_shape_and_weight_errors():
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\) for input of shape \(3, 4\), got.*\(4,\)"):
        F.cross_entropy(needl.randn(3, 4), needl.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="weight should be a 1-D tensor of size 4"):
        F.cross_entropy(needl.randn(3, 4), needl.tensor([0, 1, 2]), weight=needl.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(needl.randn(3, 4), needl.tensor([0, 1, 2]), label_smoothing=1.5)


def test_other_loss_errors():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(needl.randn(2), needl.randn(2), reduction="avg")
    with pytest.raises(ValueError, match=r"target shape \(3,\) does not match"):
        F.mse_loss(needl.randn(2), needl.randn(3))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(needl.randn(2, 3), needl.randn(3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(needl.tensor([1.5]), needl.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(needl.randn(2), needl.randn(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_pytorch(reduction):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((6, 5, 3))
    target = np.random.default_rng(1).integers(0, 5, (6, 3))
    target[0, 0] = -100
    weight = np.random.default_rng(2).uniform(0.5, 2, 5)
    mine, theirs = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = F.cross_entropy(mine, needl.tensor(target), needl.tensor(weight), reduction=reduction, label_smoothing=0.1)
    reference = torch.nn.functional.cross_entropy(theirs, torch.tensor(target), torch.tensor(weight),
                                                  reduction=reduction, label_smoothing=0.1)
    ours.sum().backward()
    reference.sum().backward()
    np.testing.assert_allclose(ours.detach().numpy(), reference.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_float32_losses_stay_float32_with_float64_or_integer_targets_and_weights():
    x = needl.randn(3, 4, requires_grad=True)
    target64 = needl.tensor(np.random.default_rng(0).uniform(0, 1, (3, 4)))
    losses = [F.mse_loss(x, target64), F.l1_loss(x, needl.zeros(3, 4, dtype=needl.int64)),
              F.huber_loss(x, target64), F.binary_cross_entropy_with_logits(x, target64, pos_weight=needl.tensor(
                  np.ones(4))), F.binary_cross_entropy(x.sigmoid(), target64, weight=needl.tensor(np.ones((3, 4)))),
              F.kl_div(x, target64, reduction="batchmean"),
              F.cross_entropy(x, needl.tensor([0, 1, 2]), weight=needl.tensor(np.ones(4)))]
    for loss in losses:
        assert loss.dtype == np.float32
        loss.backward()
    assert x.grad.dtype == np.float32
