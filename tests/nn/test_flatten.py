"""Flatten and Unflatten layers."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck


def test_flatten_and_unflatten_round_trip():
    x = needl.randn(2, 3, 4, 5)
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    back = nn.Unflatten(1, (3, 4, 5))(flat)
    np.testing.assert_array_equal(back.detach().numpy(), x.detach().numpy())
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"


def test_gradients_flow_through():
    x = needl.tensor(np.random.default_rng(0).standard_normal((2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda t: nn.Unflatten(1, (2, 3))(nn.Flatten()(t)) * 2, (x,))


def test_unflatten_size_mismatch():
    with pytest.raises(RuntimeError, match=r"sizes \[2, 4\] don't multiply up to the size of dim 1 \(6\)"):
        nn.Unflatten(1, (2, 4))(needl.randn(2, 6))
