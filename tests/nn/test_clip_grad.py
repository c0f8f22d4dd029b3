"""clip_grad_norm_, clip_grads_with_norm_ and get_total_norm: PyTorch's norms and scaling,
non-finite norms included."""
import math

import numpy as np
import pytest

import needl
from needl.nn.utils.clip_grad import clip_grad_norm_, clip_grads_with_norm_, get_total_norm


def params_with(grads):
    params = []
    for grad in grads:
        param = needl.zeros(*np.shape(grad), dtype=needl.float64, requires_grad=True)
        param.grad = needl.tensor(np.array(grad, dtype=np.float64))
        params.append(param)
    return params


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_norms_and_scaling(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((4, 3)), rng.standard_normal(5), rng.standard_normal((2, 0))]
    params = params_with(grads)
    flat = np.concatenate([g.reshape(-1) for g in grads])
    expected = np.max(np.abs(flat)) if norm_type == math.inf else np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    total = clip_grad_norm_(params, max_norm=0.5, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-12)
    for param, grad in zip(params, grads):
        np.testing.assert_allclose(param.grad.numpy(), grad * 0.5 / (expected + 1e-6), rtol=1e-12)
    assert get_total_norm([p.grad for p in params], norm_type).item() == pytest.approx(0.5, rel=1e-5)


def test_non_finite_norms_scale_as_pytorch():
    params = params_with([[math.nan, 1.0], [3.0, 4.0]])
    assert math.isnan(clip_grad_norm_(params, 1.0).item())
    assert np.isnan(params[1].grad.numpy()).all()
    params = params_with([[math.inf, 1.0], [3.0, 4.0]])
    assert clip_grad_norm_(params, 1.0).item() == math.inf
    np.testing.assert_array_equal(params[1].grad.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params_with([[math.inf]]), 1.0, error_if_nonfinite=True)


def test_clip_grads_with_a_given_norm_and_no_gradients():
    params = params_with([[3.0, 4.0]])
    clip_grads_with_norm_(params, 1.0, needl.tensor(10.0))
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)
    clip_grads_with_norm_(params, 1.0, 0.1)  # never scaled up
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)
    assert clip_grad_norm_([needl.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    float32 = needl.zeros(2, requires_grad=True)
    float32.grad = needl.ones(2) * 10
    assert clip_grad_norm_(float32, 1.0).dtype == np.float32 and float32.grad.dtype == np.float32


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal(7).astype(np.float32)]
    for norm_type in (2.0, 1.0, math.inf):
        ours = params_with([g.astype(np.float64) for g in grads])
        theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for param, grad in zip(theirs, grads):
            param.grad = torch.tensor(grad.astype(np.float64))
        our_total = clip_grad_norm_(ours, 0.7, norm_type)
        their_total = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type)
        assert our_total.item() == pytest.approx(their_total.item(), rel=1e-12)
        for mine, other in zip(ours, theirs):
            np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-12)
