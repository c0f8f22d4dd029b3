"""unfold / fold (and Unfold / Fold): gradients, adjointness, shapes, PyTorch parity."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck, gradgradcheck

OPTIONS = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(2, 1))]


def leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("options", OPTIONS)
def test_gradchecks(options):
    x = leaf(1, 2, 4, 5)
    assert gradcheck(lambda t: F.unfold(t, **options), (x,))
    columns = F.unfold(x.detach(), **options)
    assert gradcheck(lambda t: F.fold(t, (4, 5), **options), (leaf(*columns.shape, seed=1),))
    assert gradgradcheck(lambda t: F.unfold(t, **options) ** 2, (x,))


def test_fold_is_the_adjoint_of_unfold():
    x, options = np.random.default_rng(0).standard_normal((2, 3, 5, 6)), OPTIONS[1]
    columns = F.unfold(needl.tensor(x), **options).detach().numpy()
    y = np.random.default_rng(1).standard_normal(columns.shape)
    back = F.fold(needl.tensor(y), (5, 6), **options).detach().numpy()
    assert np.sum(columns * y) == pytest.approx(np.sum(x * back))


def test_shapes_modules_and_errors():
    assert nn.Unfold(3, padding=1)(needl.randn(2, 3, 4, 4)).shape == (2, 27, 16)
    assert nn.Fold((4, 4), 2, stride=2)(needl.randn(2, 12, 4)).shape == (2, 3, 4, 4)
    assert F.unfold(needl.randn(3, 4, 4), 2).shape == (12, 9)
    with pytest.raises(ValueError, match="does not match kernel_size"):
        F.fold(needl.randn(1, 5, 4), (3, 3), 2)
    with pytest.raises(ValueError, match="does not fit"):
        F.unfold(needl.randn(1, 1, 2, 2), 3)


@pytest.mark.parametrize("options", OPTIONS)
def test_matches_pytorch(options):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    np.testing.assert_array_equal(F.unfold(needl.tensor(x), **options).detach().numpy(),
                                  torch.nn.functional.unfold(torch.tensor(x), **options).numpy())
    columns = torch.nn.functional.unfold(torch.tensor(x), **options)
    np.testing.assert_allclose(F.fold(needl.tensor(columns.numpy()), (5, 6), **options).detach().numpy(),
                               torch.nn.functional.fold(columns, (5, 6), **options).numpy(), rtol=1e-12)
