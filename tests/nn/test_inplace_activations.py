"""inplace=True activations and dropouts: written into the input, recorded on the tape, same
values and gradients as the out-of-place forms; dropout1d/2d/3d ranks as PyTorch; alpha dropout."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck

LAYERS = [nn.ReLU, lambda inplace: nn.LeakyReLU(0.1, inplace), lambda inplace: nn.ELU(0.7, inplace),
          lambda inplace: nn.Hardtanh(-0.5, 0.5, inplace), nn.ReLU6, nn.SiLU, nn.SELU, lambda inplace: nn.CELU(1.3, inplace), nn.Mish,
          nn.Hardswish, nn.Hardsigmoid, lambda inplace: nn.Threshold(0.1, 2.0, inplace)]


@pytest.mark.parametrize("build", LAYERS)
def test_inplace_matches_out_of_place(build):
    x = needl.randn(3, 4, dtype=needl.float64, requires_grad=True)
    expected = build(False)(x * 1)
    (expected * expected).sum().backward()
    expected_grad = x.grad.numpy().copy()
    x.grad = None
    intermediate = x * 1
    output = build(True)(intermediate)
    assert output is intermediate and output.dtype == np.float64
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy())
    (output * output).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected_grad, rtol=1e-12)
    assert gradcheck(lambda t: build(True)(t * 1), (x,))


def test_inplace_keeps_float32_and_refuses_a_leaf():
    x = needl.randn(4)
    assert F.relu(x, inplace=True) is x and x.dtype == np.float32
    leaf = needl.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(leaf, inplace=True)


def test_inplace_dropout_writes_into_the_input():
    x = needl.ones(200, 50)
    y = F.dropout(x, 0.5, training=True, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    assert nn.Dropout2d(0.5, inplace=True)(x.reshape(4, 50, 5, 10)) is not None


def test_dropout_ranks_follow_pytorch():
    x = needl.ones(400, 30)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        out = F.dropout2d(x, 0.5).numpy()
    assert 0.4 < (out == 0).mean() < 0.6 and not np.all(out == out[:, :1])  # elementwise on (N, C)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
        rows = F.dropout3d(x, 0.5).numpy()  # unbatched: whole rows (channels)
    assert np.all(rows == rows[:, :1])
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        assert F.dropout2d(needl.ones(2, 3, 2, 2, 2), 0.5).shape == (2, 3, 2, 2, 2)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(needl.ones(3), 0.5)
    assert F.dropout2d(x[None, None], 0.5, training=False)._data.base is x._data


def test_alpha_dropout_keeps_mean_and_variance():
    x = needl.randn(200000, dtype=needl.float64)
    out = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.03
    assert F.alpha_dropout(x, 0.2) is x  # training defaults to False, as in PyTorch
    channels = nn.FeatureAlphaDropout(0.5)(needl.ones(4, 6, 5)).numpy()
    assert np.all(channels == channels[..., :1])
    assert nn.AlphaDropout(0.3).eval()(x) is x


def test_inplace_after_an_op_that_reads_its_output_computes_out_of_place():
    # needl's batch norm vjp reads its output (PyTorch's reads the input): bn -> ReLU(inplace=True),
    # as in every ResNet, must still train, with the out-of-place values and gradients
    x = needl.randn(4, 3, 5, 5, requires_grad=True)
    norm = nn.BatchNorm2d(3)
    out = nn.ReLU(inplace=True)(norm(x))
    (out * out).sum().backward()
    grad = x.grad.numpy().copy()
    x.grad = None
    reference = nn.ReLU()(norm(x))
    (reference * reference).sum().backward()
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-5, atol=1e-6)
    conv_out = nn.Conv2d(3, 2, 3)(x)  # conv's vjp does not read its output: written in place
    assert nn.ReLU(inplace=True)(conv_out) is conv_out
