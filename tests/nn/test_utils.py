"""needl.nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""
import math

import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def model_with_grads():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    (model(needl.randn(5, 3)) * 10).sum().backward()
    return model


def test_clip_grad_norm_scales_to_max_norm_and_returns_the_old_norm():
    model = model_with_grads()
    grads = [p.grad.numpy().astype(np.float64) for p in model.parameters()]
    expected = math.sqrt(sum((g ** 2).sum() for g in grads))
    total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert total.item() == pytest.approx(expected, rel=1e-5)
    after = math.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in model.parameters()))
    assert after == pytest.approx(1.0, rel=1e-4)
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_allclose(p.grad.numpy(), g / expected, rtol=1e-4)


def test_clip_grad_norm_leaves_small_gradients_and_supports_inf_norm():
    model = model_with_grads()
    before = [p.grad.numpy().copy() for p in model.parameters()]
    clip_grad_norm_(model.parameters(), max_norm=1e9)
    for p, g in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    total = clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=math.inf)
    assert total.item() == pytest.approx(max(np.abs(g).max() for g in before))
    assert max(np.abs(p.grad.numpy()).max() for p in model.parameters()) == pytest.approx(0.5, rel=1e-4)


def test_clip_grad_norm_nonfinite_error():
    param = nn.Parameter(needl.ones(2))
    param.grad = needl.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([param], 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    model = model_with_grads()
    clip_grad_value_(model.parameters(), 0.1)
    assert all(np.abs(p.grad.numpy()).max() <= 0.1 for p in model.parameters())


def test_parameters_to_vector_round_trip():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    vector = parameters_to_vector(model.parameters())
    assert vector.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(vector.detach().numpy()[:12], model[0].weight.detach().numpy().reshape(-1))
    vector_to_parameters(needl.arange(vector.shape[0]).float(), model.parameters())
    np.testing.assert_array_equal(model[0].bias.detach().numpy(), [12, 13, 14, 15])
    assert model[0].bias.dtype == np.float32
    with pytest.raises(ValueError, match="hold 26 values"):
        vector_to_parameters(needl.zeros(5), model.parameters())
