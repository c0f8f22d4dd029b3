"""AdaptiveMaxPool1d/2d: even and overlapping windows, indices, gradients (first and second order)."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck, gradgradcheck

SHAPES = [((1, 2, 6, 8), (3, 4)), ((1, 2, 5, 7), (3, 4)), ((2, 5, 7), (2, 3)), ((1, 2, 4, 4), (6, 6)),
          ((1, 2, 5, 7), (None, 3))]


def distinct(shape, seed=0):
    """Distinct values, so that each window has one maximum and finite differences are clean."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    return needl.tensor(values, requires_grad=True)


@pytest.mark.parametrize("shape, output_size", SHAPES)
def test_gradcheck(shape, output_size):
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, output_size), (distinct(shape),))


def test_second_order_and_1d():
    assert gradgradcheck(lambda x: F.adaptive_max_pool2d(x, (2, 3)) ** 2, (distinct((1, 2, 5, 7)),))
    assert gradcheck(lambda x: F.adaptive_max_pool1d(x, 4), (distinct((2, 3, 9)),))


def test_values_indices_and_modules():
    x = needl.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    values, indices = nn.AdaptiveMaxPool2d(2, return_indices=True)(x)
    np.testing.assert_array_equal(values.detach().numpy()[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(indices.detach().numpy()[0, 0], [[5, 7], [13, 15]])
    assert nn.AdaptiveMaxPool2d(1)(needl.randn(2, 3, 5, 5)).shape == (2, 3, 1, 1)
    assert nn.AdaptiveMaxPool1d(3)(needl.randn(2, 3, 8)).shape == (2, 3, 3)
    assert repr(nn.AdaptiveMaxPool2d((2, 3))) == "AdaptiveMaxPool2d(output_size=(2, 3))"
    with pytest.raises(ValueError, match="expected a 3-D or 4-D input"):
        F.adaptive_max_pool2d(needl.randn(3, 4), 2)


@pytest.mark.parametrize("shape, output_size", SHAPES)
def test_matches_pytorch(shape, output_size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    mine, theirs = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    values, indices = F.adaptive_max_pool2d(mine, output_size, return_indices=True)
    reference, reference_indices = torch.nn.functional.adaptive_max_pool2d(theirs, output_size, return_indices=True)
    np.testing.assert_array_equal(values.detach().numpy(), reference.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), reference_indices.numpy())
    (values ** 2).sum().backward()
    (reference ** 2).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
