"""3-D convolution and pooling, unpooling and power pooling: gradients (first and second order,
broadcast-free ops on non-contiguous inputs), float32 kept, values against PyTorch (optional)."""
import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def _tensor(*shape, transpose=False):
    """A float64 tensor needing grad; `transpose` makes it a non-contiguous view of the same shape."""
    if transpose:
        data = rng.standard_normal(shape[:-2] + (shape[-1], shape[-2])).swapaxes(-1, -2)
    else:
        data = rng.standard_normal(shape)
    return needl.tensor(data, requires_grad=True) if not transpose else _leaf(data)


def _leaf(array):
    t = needl.from_numpy(array)  # keeps the non-contiguous layout
    t.requires_grad_(True)
    return t


CONV3D = [
    ((1, 4, 3, 4, 3), (4, 2, 2, 3, 2), dict(stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 1, 2), groups=2)),
    ((2, 3, 4, 4), (2, 2, 2, 2, 3), dict(padding="same")),
]


@pytest.mark.parametrize("input_shape, weight_shape, options", CONV3D)
def test_conv3d_gradients(input_shape, weight_shape, options):
    x = _tensor(*input_shape, transpose=True)
    w, b = _tensor(*weight_shape), _tensor(weight_shape[0])
    assert not x.detach().numpy().flags.c_contiguous
    assert gradcheck(lambda a, c, d: F.conv3d(a, c, d, **options), (x, w, b))
    assert gradgradcheck(lambda a, c, d: F.conv3d(a, c, d, **options), (x, w, b))


@pytest.mark.parametrize("options", [dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=(2, 1, 1))])
def test_conv_transpose3d_gradients(options):
    x, w, b = _tensor(1, 4, 3, 3, 2), _tensor(4, 1, 2, 2, 2), _tensor(options.get("groups", 1))
    assert gradcheck(lambda a, c, d: F.conv_transpose3d(a, c, d, **options), (x, w, b))
    assert gradgradcheck(lambda a, c, d: F.conv_transpose3d(a, c, d, **options), (x, w, b))


def test_conv3d_layers_keep_float32_and_shapes():
    x = needl.randn(2, 3, 5, 6, 7)
    conv = nn.Conv3d(3, 4, 3, stride=2, padding=1)
    y = conv(x)
    assert y.shape == (2, 4, 3, 3, 4) and y.dtype == np.float32
    up = nn.ConvTranspose3d(4, 3, 3, stride=2, padding=1)
    assert up(y, output_size=x.shape).shape == x.shape and up(y).dtype == np.float32
    assert nn.Conv3d(3, 2, 3, padding=1, padding_mode="reflect")(x).shape == (2, 2, 5, 6, 7)
    assert nn.Conv3d(3, 2, 2, dtype=needl.float64)(x.double()).dtype == np.float64
    assert conv(x[0]).shape == (4, 3, 3, 4)  # unbatched
    with pytest.raises(ValueError, match="expected input.*3 channels"):
        conv(needl.randn(1, 2, 4, 4, 4))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv3d(needl.randn(1, 1, 2, 2, 2), needl.randn(1, 1, 3, 3, 3))


POOLS = [
    (F.max_pool3d, dict(kernel_size=2, stride=(1, 2, 1), padding=1, dilation=(1, 1, 2), ceil_mode=True)),
    (F.avg_pool3d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    (F.avg_pool3d, dict(kernel_size=(2, 1, 2), divisor_override=3)),
    (F.adaptive_avg_pool3d, dict(output_size=(2, 3, None))),
    (F.adaptive_max_pool3d, dict(output_size=(2, 2, 3))),
    (F.lp_pool3d, dict(norm_type=2, kernel_size=2)),
    (F.lp_pool2d, dict(norm_type=3, kernel_size=(2, 1), stride=1)),
]


@pytest.mark.parametrize("function, options", POOLS)
def test_pooling_gradients(function, options):
    x = _tensor(1, 2, 3, 4, 5, transpose=True)
    if function is F.lp_pool2d:
        x = _leaf(np.abs(rng.standard_normal((1, 2, 4, 5))) + 0.5)
    elif function is F.lp_pool3d:
        x = _leaf(np.abs(rng.standard_normal((1, 2, 3, 4, 5))) + 0.5)
    assert gradcheck(lambda t: function(t, **options), (x,))
    assert gradgradcheck(lambda t: function(t, **options), (x,))
    assert function(x.detach().float(), **options).dtype == np.float32


def test_max_pool3d_indices_unpool_round_trip():
    x = needl.randn(2, 3, 4, 6, 8)
    values, indices = F.max_pool3d(x, 2, return_indices=True)
    restored = nn.MaxUnpool3d(2)(values, indices)
    assert restored.shape == x.shape
    kept = restored.numpy() != 0
    np.testing.assert_array_equal(restored.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == values.numpy().size
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool3d(values, indices, 2, output_size=(9, 6, 8))


def test_max_unpool_repeated_indices_take_the_value_and_gradients_gather():
    values, indices = F.max_pool1d(needl.tensor([[[1.0, 5.0, 2.0, 0.0, 0.0]]]), 3, 1, return_indices=True)
    leaf = needl.tensor(values.numpy(), requires_grad=True)
    out = F.max_unpool1d(leaf, indices, 3, 1)
    np.testing.assert_array_equal(out.detach().numpy(), [[[0, 5, 2, 0, 0]]])
    assert gradgradcheck(lambda t: F.max_unpool1d(t, indices, 3, 1), (leaf.double().detach().requires_grad_(),))


def test_layers_repr_and_shapes():
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    x = needl.randn(2, 3, 4, 6, 8)
    assert nn.MaxPool3d(2)(x).shape == (2, 3, 2, 3, 4)
    assert nn.AvgPool3d(2, 1)(x).shape == (2, 3, 3, 5, 7)
    assert nn.AdaptiveAvgPool3d(1)(x).shape == (2, 3, 1, 1, 1)
    values, indices = nn.AdaptiveMaxPool3d((1, 2, 2), return_indices=True)(x)
    assert indices.shape == values.shape == (2, 3, 1, 2, 2)
    assert nn.InstanceNorm3d(3)(x).shape == x.shape


def _pair(function_name, shape, *args, **options):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    mine, theirs = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine = getattr(F, function_name)(mine, *args, **options)
    out_theirs = getattr(torch.nn.functional, function_name)(theirs, *args, **options)
    if isinstance(out_mine, tuple):
        np.testing.assert_array_equal(out_mine[1].numpy(), out_theirs[1].numpy())
        out_mine, out_theirs = out_mine[0], out_theirs[0]
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    direction = rng.standard_normal(out_theirs.shape)
    (out_mine * needl.tensor(direction)).sum().backward()
    (out_theirs * torch.tensor(direction)).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, shape, args, options", [
    ("max_pool3d", (2, 3, 5, 6, 7), (3,), dict(stride=2, padding=1, return_indices=True)),
    ("max_pool3d", (3, 5, 6, 7), ((2, 3, 2),), dict(dilation=(2, 1, 2), ceil_mode=True, return_indices=True)),
    ("avg_pool3d", (2, 3, 5, 6, 7), (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    ("avg_pool3d", (2, 3, 5, 6, 7), ((2, 3, 2),), dict(divisor_override=5, padding=1)),
    ("adaptive_avg_pool3d", (2, 3, 5, 6, 7), ((2, 4, 3),), {}),
    ("adaptive_max_pool3d", (2, 3, 5, 6, 7), ((2, 4, 3),), dict(return_indices=True)),
    ("lp_pool1d", (2, 3, 9), (2, 3, 2), {}),
    ("lp_pool3d", (2, 3, 4, 6, 7), (float("inf"), 2), {}),
])
def test_pooling_matches_pytorch(name, shape, args, options):
    _pair(name, shape, *args, **options)


def test_conv3d_matches_pytorch():
    torch = pytest.importorskip("torch")
    x, w, b = rng.standard_normal((2, 4, 5, 6, 7)), rng.standard_normal((6, 2, 3, 2, 3)), rng.standard_normal(6)
    options = dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)
    mine = [needl.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out_mine, out_theirs = F.conv3d(*mine, **options), torch.nn.functional.conv3d(*theirs, **options)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
    (out_mine ** 2).sum().backward()
    (out_theirs ** 2).sum().backward()
    for a, c in zip(mine, theirs):
        np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-10, atol=1e-10)
    weight = rng.standard_normal((4, 3, 3, 2, 3))
    transposed = torch.nn.functional.conv_transpose3d(torch.tensor(x), torch.tensor(weight), stride=2, padding=1,
                                                      output_padding=1)
    ours = F.conv_transpose3d(needl.tensor(x), needl.tensor(weight), stride=2, padding=1, output_padding=1)
    np.testing.assert_allclose(ours.numpy(), transposed.numpy(), rtol=1e-10, atol=1e-10)
