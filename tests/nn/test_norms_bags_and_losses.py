"""rms_norm / RMSNorm, local_response_norm, embedding_bag / EmbeddingBag, ctc_loss / CTCLoss, the margin
losses, pdist, gumbel_softmax: gradients (second order for the smooth ones), float32 kept, PyTorch parity."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _leaf(array):
    tensor = needl.from_numpy(np.asarray(array, dtype=np.float64))
    return tensor.requires_grad_(True)


def _strided(*shape):
    """A non-contiguous float64 leaf of `shape` (a transposed view)."""
    return _leaf(rng.standard_normal(shape[:-2] + (shape[-1], shape[-2])).swapaxes(-1, -2))


def test_rms_norm_gradients_and_dtype():
    x, weight = _strided(3, 4, 5), _leaf(rng.standard_normal((4, 5)))
    assert gradcheck(lambda a, w: F.rms_norm(a, (4, 5), w, 1e-3), (x, weight))
    assert gradgradcheck(lambda a, w: F.rms_norm(a, 5, w[0]), (x, weight))
    layer = nn.RMSNorm(5)
    assert layer(needl.randn(2, 5)).dtype == np.float32 and layer.weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(needl.randn(2, 3), 4)


def test_local_response_norm_gradients():
    for shape in [(2, 5, 4), (1, 4, 3, 3), (1, 4, 2, 2, 3)]:
        x = _leaf(rng.standard_normal(shape))
        assert gradcheck(lambda t: F.local_response_norm(t, 3, alpha=0.5), (x,))
    assert gradgradcheck(lambda t: F.local_response_norm(t, 2, alpha=0.5), (_leaf(rng.standard_normal((1, 3, 4))),))
    assert nn.LocalResponseNorm(2)(needl.randn(2, 3, 4)).dtype == np.float32


INDICES, OFFSETS = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0]), np.array([0, 4, 4, 7])


@pytest.mark.parametrize("options", [dict(mode="sum"), dict(mode="mean", padding_idx=4), dict(mode="max")])
def test_embedding_bag_gradients(options):
    weight = _leaf(rng.standard_normal((10, 3)))
    call = lambda w: F.embedding_bag(needl.tensor(INDICES), w, needl.tensor(OFFSETS), **options)
    assert call(weight).shape == (4, 3)
    np.testing.assert_array_equal(call(weight).detach().numpy()[1], 0)  # the empty bag
    assert gradcheck(call, (weight,)) and gradgradcheck(call, (weight,))


def test_embedding_bag_per_sample_weights_2d_input_and_module():
    weight, scales = _leaf(rng.standard_normal((10, 3))), _leaf(rng.standard_normal(10))
    assert gradcheck(lambda w, s: F.embedding_bag(needl.tensor(INDICES), w, needl.tensor(OFFSETS), mode="sum",
                                                  per_sample_weights=s), (weight, scales))
    bags = rng.integers(0, 10, (4, 3))
    np.testing.assert_allclose(F.embedding_bag(needl.tensor(bags), weight).detach().numpy(),
                               weight.detach().numpy()[bags].mean(1))
    layer = nn.EmbeddingBag(10, 3, mode="max")
    assert layer(needl.tensor(bags)).dtype == np.float32
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(needl.tensor(INDICES), weight, needl.tensor(OFFSETS), per_sample_weights=scales)
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(needl.tensor(INDICES), weight, needl.tensor([1, 4]))
    frozen = nn.EmbeddingBag.from_pretrained(weight.detach())
    assert not frozen.weight.requires_grad


TARGETS, INPUT_LENGTHS, TARGET_LENGTHS = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]]), [6, 5, 3], [3, 2, 1]


def _log_probs(steps=6, batch=3, classes=5):
    return _leaf(np.log(rng.dirichlet(np.ones(classes), (steps, batch))))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_loss_gradients(reduction):
    log_probs = _log_probs()
    call = lambda t: F.ctc_loss(t, needl.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)
    assert gradcheck(call, (log_probs,))


def test_ctc_loss_second_order_concatenated_targets_and_impossible_alignments():
    small = _log_probs(4, 2, 3)
    assert gradgradcheck(lambda t: F.ctc_loss(t, needl.tensor([1, 2, 2]), [4, 3], [2, 1]), (small,))
    log_probs = _log_probs()
    padded = F.ctc_loss(log_probs, needl.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    joined = F.ctc_loss(log_probs, needl.tensor([1, 2, 2, 3, 1, 4]), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    np.testing.assert_allclose(padded.detach().numpy(), joined.detach().numpy())
    impossible = _leaf(np.log(np.full((2, 1, 3), 1 / 3)))
    assert np.isinf(F.ctc_loss(impossible, needl.tensor([[1, 1]]), [2], [2]).item())
    loss = nn.CTCLoss(zero_infinity=True)(impossible, needl.tensor([[1, 1]]), [2], [2])
    loss.backward()
    assert loss.item() == 0 and np.all(impossible.grad.numpy() == 0)
    float32 = F.log_softmax(needl.randn(5, 2, 4), 2)
    assert F.ctc_loss(float32, needl.tensor([[1, 2], [3, 0]]), [5, 4], [2, 1]).dtype == np.float32
    with pytest.raises(ValueError, match="other than blank"):
        F.ctc_loss(float32, needl.tensor([[0, 2], [3, 0]]), [5, 4], [2, 1])


def test_margin_losses_gradients():
    scores = _strided(4, 5)
    classes = needl.tensor([0, 3, 4, 1])
    weight = needl.tensor(rng.random(5))
    assert gradcheck(lambda s: F.multi_margin_loss(s, classes, p=2, margin=0.7, weight=weight), (scores,))
    assert gradcheck(lambda s: F.multi_margin_loss(s, classes, reduction="none"), (scores,))
    labels = needl.tensor([[3, 0, -1, 1, 0], [1, 2, 4, -1, -1], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]])
    assert gradcheck(lambda s: F.multilabel_margin_loss(s, labels), (scores,))
    assert nn.MultiMarginLoss()(needl.randn(3, 4), needl.tensor([0, 1, 2])).dtype == np.float32
    anchor, positive, negative = (_leaf(rng.standard_normal((3, 4))) for _ in range(3))
    loss = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: ((a - b) ** 2).sum(-1), swap=True)
    assert gradcheck(lambda a, p, n: loss(a, p, n), (anchor, positive, negative))


def test_pdist_and_gumbel_softmax():
    points = _strided(5, 3)
    assert F.pdist(points).shape == (10,)
    for p in (1, 2, 3.5):
        assert gradcheck(lambda x: F.pdist(x, p), (points,))
    assert gradgradcheck(lambda x: F.pdist(x), (points,))
    logits = needl.randn(4, 6, requires_grad=True)
    sample = F.gumbel_softmax(logits, tau=0.5, hard=True)
    np.testing.assert_array_equal(sample.detach().numpy().sum(1), 1)
    assert set(np.unique(sample.detach().numpy())) == {0.0, 1.0} and sample.dtype == np.float32
    (sample * needl.randn(4, 6)).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0


def _parity(function, torch_function, inputs, *args, **options):
    torch = pytest.importorskip("torch")
    mine = [needl.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    out_mine, out_theirs = function(*mine, *args, **options), torch_function(*theirs, *args, **options)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    direction = rng.standard_normal(tuple(out_theirs.shape))
    (out_mine * needl.tensor(direction)).sum().backward()
    (out_theirs * torch.tensor(direction)).sum().backward()
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    _parity(F.rms_norm, tf.rms_norm, [rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 5))][:1], (4, 5))
    _parity(lambda x, w: F.rms_norm(x, 5, w), lambda x, w: tf.rms_norm(x, (5,), w),
            [rng.standard_normal((3, 5)), rng.standard_normal(5)])
    _parity(F.local_response_norm, tf.local_response_norm, [rng.standard_normal((2, 6, 3, 4))], 3, alpha=0.1)
    _parity(F.pdist, tf.pdist, [rng.standard_normal((5, 3))], 3)
    for mode in ("sum", "mean", "max"):
        _parity(lambda w: F.embedding_bag(needl.tensor(INDICES), w, needl.tensor(OFFSETS), mode=mode, padding_idx=2),
                lambda w: tf.embedding_bag(torch.tensor(INDICES), w, torch.tensor(OFFSETS), mode=mode, padding_idx=2),
                [rng.standard_normal((10, 3))])
    logits = rng.standard_normal((6, 3, 5))
    for reduction in ("none", "mean"):  # PyTorch's gradient is the logits' one: compare through log_softmax
        _parity(lambda x: F.ctc_loss(F.log_softmax(x, 2), needl.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS,
                                     reduction=reduction),
                lambda x: tf.ctc_loss(tf.log_softmax(x, 2), torch.tensor(TARGETS), torch.tensor(INPUT_LENGTHS),
                                      torch.tensor(TARGET_LENGTHS), reduction=reduction), [logits])
    labels = np.array([[3, 0, -1, 1, 0], [1, 2, 4, -1, -1], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]])
    _parity(lambda s: F.multilabel_margin_loss(s, needl.tensor(labels), reduction="none"),
            lambda s: tf.multilabel_margin_loss(s, torch.tensor(labels), reduction="none"), [rng.standard_normal((4, 5))])
    _parity(lambda s: F.multi_margin_loss(s, needl.tensor([0, 3, 4, 1]), p=2),
            lambda s: tf.multi_margin_loss(s, torch.tensor([0, 3, 4, 1]), p=2), [rng.standard_normal((4, 5))])
