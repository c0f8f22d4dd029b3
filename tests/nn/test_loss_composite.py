"""The less common losses: gradchecks, module options, errors, and PyTorch parity."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck

generator = np.random.default_rng(0)
X1, X2, X3 = (generator.standard_normal((4, 5)) for _ in range(3))
SIGNS = np.sign(generator.standard_normal((4, 5)))
ROW_SIGNS = np.sign(generator.standard_normal(4))
POSITIVE = generator.uniform(0.2, 3, (4, 5))
COUNTS = generator.integers(0, 5, (4, 5)).astype(np.float64)
LABELS = (generator.random((4, 5)) > 0.5).astype(np.float64)

# name, call(module_or_function namespace, inputs), arrays, which arrays are differentiated
CASES = {
    "soft_margin_loss": (lambda f, a, **k: f(a[0], a[1], **k), [X1, SIGNS], [0]),
    "margin_ranking_loss": (lambda f, a, **k: f(a[0], a[1], a[2], margin=0.3, **k), [X1[:, 0], X2[:, 0], ROW_SIGNS],
                            [0, 1]),
    "hinge_embedding_loss": (lambda f, a, **k: f(a[0], a[1], margin=0.7, **k), [X1, SIGNS], [0]),
    "cosine_embedding_loss": (lambda f, a, **k: f(a[0], a[1], a[2], margin=0.2, **k), [X1, X2, ROW_SIGNS], [0, 1]),
    "triplet_margin_loss": (lambda f, a, **k: f(a[0], a[1], a[2], margin=2.0, swap=True, **k), [X1, X2, X3],
                            [0, 1, 2]),
    "poisson_nll_loss": (lambda f, a, **k: f(a[0], a[1], full=True, **k), [X1, COUNTS], [0]),
    "gaussian_nll_loss": (lambda f, a, **k: f(a[0], a[1], a[2], full=True, **k), [X1, X2, POSITIVE], [0, 1, 2]),
    "multilabel_soft_margin_loss": (lambda f, a, **k: f(a[0], a[1], **k), [X1, LABELS], [0]),
}


def tensors(arrays, differentiated, library=needl):
    return [library.tensor(a, requires_grad=i in differentiated) for i, a in enumerate(arrays)]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck(name, reduction):
    call, arrays, differentiated = CASES[name]
    inputs = tensors(arrays, differentiated)
    function = getattr(F, name)

    def run(*values):
        return call(function, values, reduction=reduction)

    assert gradcheck(run, inputs)


def test_modules_forward_their_options():
    a, b, c = (needl.tensor(x) for x in (X1, X2, X3))
    assert nn.TripletMarginLoss(margin=2.0, swap=True)(a, b, c).item() == pytest.approx(
        F.triplet_margin_loss(a, b, c, margin=2.0, swap=True).item())
    assert nn.MarginRankingLoss(0.3)(a[:, 0], b[:, 0], needl.tensor(ROW_SIGNS)).shape == ()
    assert nn.CosineEmbeddingLoss(reduction="none")(a, b, needl.tensor(ROW_SIGNS)).shape == (4,)
    assert nn.HingeEmbeddingLoss()(a, needl.tensor(SIGNS)).shape == ()
    assert nn.PoissonNLLLoss(log_input=False)(needl.tensor(POSITIVE), needl.tensor(COUNTS)).shape == ()
    assert nn.GaussianNLLLoss(full=True)(a, b, needl.tensor(POSITIVE)).shape == ()
    assert nn.MultiLabelSoftMarginLoss(weight=needl.ones(5))(a, needl.tensor(LABELS)).shape == ()
    assert nn.SoftMarginLoss(reduction="sum")(a, needl.tensor(SIGNS)).shape == ()


def test_gaussian_nll_errors():
    with pytest.raises(ValueError, match="var of shape \\(3,\\) is of incorrect size"):
        F.gaussian_nll_loss(needl.randn(4, 5), needl.randn(4, 5), needl.ones(3))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(needl.randn(4, 5), needl.randn(4, 5), -needl.ones(4, 5))


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    call, arrays, differentiated = CASES[name]
    mine, theirs = tensors(arrays, differentiated), tensors(arrays, differentiated, torch)
    out_mine = call(getattr(F, name), mine, reduction="none")
    out_theirs = call(getattr(torch.nn.functional, name), theirs, reduction="none")
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    out_mine.sum().backward()
    out_theirs.sum().backward()
    for i in differentiated:
        np.testing.assert_allclose(mine[i].grad.numpy(), theirs[i].grad.numpy(), rtol=1e-10, atol=1e-12)
