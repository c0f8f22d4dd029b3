"""Pooling: finite-difference gradients, PyTorch's output sizes and tie rule, clear errors."""
import math

import numpy as np
import pytest

import needl
from needl.autograd import Tensor, gradcheck
from needl.autograd.ops.pool import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d,
                                     max_pool2d)


def leaf(*shape):
    # distinct values: finite differences of a max are only defined away from ties
    generator = needl.autograd.random.generator()
    data = generator.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + generator.uniform(0, 0.01, shape)
    return Tensor(data.astype(np.float64), requires_grad=True)


def pair(value):
    return value if isinstance(value, tuple) else (value, value)


def pool_size(size, kernel, stride, padding, dilation, ceil_mode):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


# (H, W, kernel, stride, padding, dilation, ceil_mode): odd sizes, overlapping and not
MAX_GRID = [
    (6, 6, 2, None, 0, 1, False),
    (5, 7, 2, None, 0, 1, True),
    (7, 5, 3, 2, 1, 1, False),
    (7, 5, 3, 2, 1, 1, True),
    (6, 7, (2, 3), (1, 2), (1, 0), 1, True),
    (7, 7, 2, 2, 1, 2, False),
    (6, 5, 3, 1, 0, (1, 2), True),
    (5, 5, 1, 2, 0, 1, False),
]


@pytest.mark.parametrize("case", MAX_GRID)
def test_max_pool2d_gradcheck_and_output_shape(case):
    h, w, kernel, stride, padding, dilation, ceil_mode = case
    x = leaf(2, 2, h, w)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    out = max_pool2d(x, **options)
    expected = tuple(pool_size(size, k, s, p, d, ceil_mode) for size, k, s, p, d in
                     zip((h, w), pair(kernel), pair(stride or kernel), pair(padding), pair(dilation)))
    assert out.shape == (2, 2) + expected
    assert gradcheck(lambda a: max_pool2d(a, **options), (x,))


def test_max_pool2d_values_and_indices_on_a_known_input():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    values, indices = max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.detach().numpy(), [[[[5, 7], [13, 15]]]])
    np.testing.assert_array_equal(indices.detach().numpy(), [[[[5, 7], [13, 15]]]])
    assert indices.dtype == np.int64


def test_max_pool2d_sends_the_gradient_to_the_first_maximum_only():
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    values, indices = max_pool2d(x, 2, stride=1, return_indices=True)
    values.sum().backward()
    np.testing.assert_array_equal(indices.detach().numpy(), [[[[0, 1], [3, 4]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1, 1, 0], [1, 1, 0], [0, 0, 0]]]])


def test_max_pool2d_propagates_nan():
    x = Tensor(np.array([[[[1.0, np.nan], [3.0, 2.0]]]]))
    assert np.isnan(max_pool2d(x, 2).detach().numpy()).all()


def test_max_pool2d_keeps_float32_and_a_channels_last_layout():
    data = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype(np.float32).transpose(0, 3, 1, 2)
    x = Tensor(data, requires_grad=True)
    out = max_pool2d(x, 2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32
    assert out.detach().numpy().strides[1] == 4  # channels stay innermost
    np.testing.assert_array_equal(out.detach().numpy(), data.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))


def test_max_pool2d_unbatched_input():
    x = leaf(2, 5, 5)
    assert max_pool2d(x, 2).shape == (2, 2, 2)
    assert gradcheck(lambda a: max_pool2d(a, 3, 2, 1), (x,))


@pytest.mark.parametrize("length,kernel,stride,padding,dilation,ceil_mode", [
    (7, 2, None, 0, 1, False), (7, 3, 2, 1, 1, True), (8, 2, 1, 1, 3, False), (6, 3, 3, 0, 1, True)])
def test_max_pool1d_gradcheck_shape_and_indices(length, kernel, stride, padding, dilation, ceil_mode):
    x = leaf(2, 3, length)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    values, indices = max_pool1d(x, return_indices=True, **options)
    assert values.shape == (2, 3, pool_size(length, kernel, stride or kernel, padding, dilation, ceil_mode))
    np.testing.assert_array_equal(np.take_along_axis(x.detach().numpy(), indices.detach().numpy(), axis=-1), values.detach().numpy())
    assert gradcheck(lambda a: max_pool1d(a, **options), (x,))


# (H, W, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_GRID = [
    (6, 6, 2, None, 0, False, True, None),
    (7, 5, 3, 2, 1, False, True, None),
    (7, 5, 3, 2, 1, True, True, None),
    (7, 5, 3, 2, 1, True, False, None),
    (5, 6, (2, 3), (2, 1), (1, 1), True, False, None),
    (6, 7, 3, 2, 1, False, True, 4),
]


@pytest.mark.parametrize("case", AVG_GRID)
def test_avg_pool2d_gradcheck_and_output_shape(case):
    h, w, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = case
    x = leaf(2, 2, h, w)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad, divisor_override=divisor_override)
    out = avg_pool2d(x, **options)
    expected = tuple(pool_size(size, k, s, p, 1, ceil_mode) for size, k, s, p in
                     zip((h, w), pair(kernel), pair(stride or kernel), pair(padding)))
    assert out.shape == (2, 2) + expected
    assert gradcheck(lambda a: avg_pool2d(a, **options), (x,))


def test_avg_pool2d_divisors_at_the_border():
    x = Tensor(np.ones((1, 1, 3, 3)))
    np.testing.assert_allclose(avg_pool2d(x, 3, 1, 1).detach().numpy()[0, 0], [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9],
                                                                  [4 / 9, 6 / 9, 4 / 9]])
    np.testing.assert_allclose(avg_pool2d(x, 3, 1, 1, count_include_pad=False).detach().numpy(), np.ones((1, 1, 3, 3)))
    np.testing.assert_allclose(avg_pool2d(x, 2, 2, 0, ceil_mode=True).detach().numpy()[0, 0], np.ones((2, 2)))


@pytest.mark.parametrize("output_size", [1, 2, 3, (2, 4), (None, 3), (5, 6)])
def test_adaptive_avg_pool2d_gradcheck_and_windows(output_size):
    x = leaf(2, 2, 5, 6)
    out = adaptive_avg_pool2d(x, output_size)
    sizes = pair(output_size)
    sizes = (sizes[0] or 5, sizes[1] or 6)
    assert out.shape == (2, 2) + sizes
    i, j = sizes[0] - 1, sizes[1] - 1  # the last window: [floor(i*H/oh), ceil((i+1)*H/oh))
    rows = slice(i * 5 // sizes[0], -(-(i + 1) * 5 // sizes[0]))
    cols = slice(j * 6 // sizes[1], -(-(j + 1) * 6 // sizes[1]))
    np.testing.assert_allclose(out.detach().numpy()[:, :, i, j], x.detach().numpy()[:, :, rows, cols].mean(axis=(2, 3)))
    assert gradcheck(lambda a: adaptive_avg_pool2d(a, output_size), (x,))


@pytest.mark.parametrize("call,message", [
    (lambda: max_pool2d(leaf(2, 5), 2), r"input of shape \[2, 5\]"),
    (lambda: max_pool2d(leaf(1, 1, 4, 4), 2, padding=2), r"padding \(2, 2\) should be at most half"),
    (lambda: max_pool2d(leaf(1, 1, 2, 2), 3), r"input of shape \[1, 1, 2, 2\] is too small"),
    (lambda: max_pool2d(leaf(1, 1, 4, 4), 0), "must be positive"),
    (lambda: avg_pool2d(leaf(1, 1, 2, 2), 3), r"input of shape \[1, 1, 2, 2\] is too small"),
    (lambda: max_pool1d(leaf(1, 2), 3), r"input of shape \[1, 2\] is too small"),
    (lambda: adaptive_avg_pool2d(leaf(1, 1, 4, 4), 0), "must be positive"),
])
def test_bad_input_raises_an_error_naming_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("case", MAX_GRID)
def test_max_pool2d_matches_pytorch_with_ties(case):
    torch = pytest.importorskip("torch")
    h, w, kernel, stride, padding, dilation, ceil_mode = case
    data = np.round(np.random.default_rng(3).standard_normal((2, 2, h, w)))  # many ties
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    x = Tensor(data, requires_grad=True)
    values, indices = max_pool2d(x, return_indices=True, **options)
    values.sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    expected, expected_indices = torch.nn.functional.max_pool2d(tx, return_indices=True, **options)
    expected.sum().backward()
    np.testing.assert_array_equal(values.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), expected_indices.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("case", AVG_GRID)
def test_avg_pool2d_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    h, w, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = case
    data = np.random.default_rng(4).standard_normal((2, 2, h, w))
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad, divisor_override=divisor_override)
    expected = torch.nn.functional.avg_pool2d(torch.tensor(data), **options).numpy()
    np.testing.assert_allclose(avg_pool2d(Tensor(data), **options).detach().numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("function", [
    lambda a: max_pool2d(a, 3, 2, 1, ceil_mode=True),
    lambda a: max_pool2d(a, 2),
    lambda a: avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda a: adaptive_avg_pool2d(a, (2, 3)),
    lambda a: max_pool1d(a.reshape(2, 25), 3, 2, 1),
])
def test_second_order_gradients(function):
    from needl.autograd import gradgradcheck
    assert gradgradcheck(function, (leaf(1, 2, 5, 5),))



@pytest.mark.parametrize("shape,output_size", [((2, 2, 5, 6), (2, 4)), ((2, 2, 6, 6), 3), ((2, 5, 5), 1),
                                                ((1, 2, 3, 4), (5, 6))])
def test_adaptive_max_pool2d_gradcheck_shape_and_indices(shape, output_size):
    x = leaf(*shape)
    values, indices = adaptive_max_pool2d(x, output_size, return_indices=True)
    sizes = pair(output_size)
    assert values.shape == shape[:-2] + sizes and indices.dtype == np.int64
    planes = x.detach().numpy().reshape(shape[:-2] + (-1,))
    np.testing.assert_array_equal(np.take_along_axis(planes, indices.detach().numpy().reshape(shape[:-2] + (-1,)), -1),
                                  values.detach().numpy().reshape(shape[:-2] + (-1,)))
    assert gradcheck(lambda a: adaptive_max_pool2d(a, output_size), (x,))


def test_adaptive_max_pool2d_first_maximum_and_second_order():
    from needl.autograd import gradgradcheck
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    values, indices = adaptive_max_pool2d(x, 2, return_indices=True)
    values.sum().backward()
    np.testing.assert_array_equal(indices.detach().numpy(), [[[[0, 1], [3, 4]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1, 1, 0], [1, 1, 0], [0, 0, 0]]]])
    assert gradgradcheck(lambda a: adaptive_max_pool2d(a, (2, 3)), (leaf(1, 2, 5, 5),))
    with pytest.raises(ValueError, match=r"input of shape \[4, 4\]"):
        adaptive_max_pool2d(leaf(4, 4), 2)


@pytest.mark.parametrize("output_size", [(3, 4), 1, (5, 6)])
def test_adaptive_max_pool2d_matches_pytorch_with_ties(output_size):
    torch = pytest.importorskip("torch")
    data = np.round(np.random.default_rng(5).standard_normal((2, 3, 4, 5)))
    x = Tensor(data, requires_grad=True)
    values, indices = adaptive_max_pool2d(x, output_size, return_indices=True)
    values.sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    expected, expected_indices = torch.nn.functional.adaptive_max_pool2d(tx, output_size, return_indices=True)
    expected.sum().backward()
    np.testing.assert_array_equal(values.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), expected_indices.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())



@pytest.mark.parametrize("length,kernel,stride,padding,ceil_mode,count_include_pad", [
    (7, 2, None, 0, False, True), (7, 3, 2, 1, True, False), (6, 3, 1, 1, False, True)])
def test_avg_pool1d_gradcheck_and_values(length, kernel, stride, padding, ceil_mode, count_include_pad):
    x = leaf(2, 3, length)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad)
    out = avg_pool1d(x, **options)
    assert out.shape == (2, 3, pool_size(length, kernel, stride or kernel, padding, 1, ceil_mode))
    image = avg_pool2d(Tensor(x.detach().numpy()[:, :, None]), (1, kernel), (1, stride or kernel), (0, padding), ceil_mode,
                       count_include_pad)
    np.testing.assert_allclose(out.detach().numpy(), image.detach().numpy()[:, :, 0])
    assert gradcheck(lambda a: avg_pool1d(a, **options), (x,))
    with pytest.raises(ValueError, match=r"input of shape \[1, 2\] is too small"):
        avg_pool1d(leaf(1, 2), 3)


def first_maximum_gradient(data, grad, kernel, stride, padding, dilation):
    """The reference: a loop over the windows, each gradient to the window's first maximum."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    source = np.pad(data, ((0, 0), (0, 0), (ph, ph + kh * dh), (pw, pw + kw * dw)), constant_values=-np.inf)
    total = np.zeros(source.shape)
    for n, c, i, j in np.ndindex(grad.shape):
        window = source[n, c, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        total[n, c, i * sh + a * dh, j * sw + b * dw] += grad[n, c, i, j]
    return total[:, :, ph:ph + data.shape[2], pw:pw + data.shape[3]]


LAYOUT_GRID = MAX_GRID + [(7, 6, 2, 3, 1, 1, True), (6, 6, (2, 3), (2, 3), 0, 1, False),
                          (8, 8, 2, (3, 2), 1, 1, False), (6, 9, 3, 3, 1, 1, True)]
LAYOUTS = {
    "contiguous": lambda data: data,
    "channels-last": lambda data: np.ascontiguousarray(data.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
    "strided": lambda data: np.repeat(data, 2, axis=3)[:, :, :, ::2],
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", LAYOUT_GRID)
def test_max_pool2d_first_maximum_gradient_in_every_layout(case, layout):
    h, w, kernel, stride, padding, dilation, ceil_mode = case
    data = np.round(np.random.default_rng(6).standard_normal((2, 3, h, w)))  # many ties
    x = Tensor(LAYOUTS[layout](data), requires_grad=True)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    out = max_pool2d(x, **options)
    grad = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(Tensor(grad))
    expected = first_maximum_gradient(data, grad, pair(kernel), pair(stride or kernel), pair(padding), pair(dilation))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15, atol=1e-15)  # (sums in another order)
    if layout == "channels-last" and min(out.shape[2:]) > 1:  # (a size-1 axis has no order)
        assert x.grad.numpy().strides[1] == 8 and out.detach().numpy().strides[1] == 8


@pytest.mark.parametrize("case", LAYOUT_GRID[::3])
def test_max_pool2d_gradcheck_channels_last_and_float32_gradient(case):
    h, w, kernel, stride, padding, dilation, ceil_mode = case
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    x = leaf(2, 3, h, w)
    x = Tensor(LAYOUTS["channels-last"](x.detach().numpy()), requires_grad=True)
    assert gradcheck(lambda a: max_pool2d(a, **options), (x,))
    x32 = Tensor(x.detach().numpy().astype(np.float32), requires_grad=True)
    max_pool2d(x32, **options).sum().backward()
    assert x32.grad.dtype == np.float32


def test_max_pool2d_gradient_at_nan_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(8).standard_normal((2, 2, 6, 6))
    data[0, 0, 1, 1] = data[1, 1, 4, 5] = data[1, 1, 5, 4] = np.nan
    for layout in LAYOUTS.values():
        x = Tensor(layout(data), requires_grad=True)
        max_pool2d(x, 2).sum().backward()
        tx = torch.tensor(data, requires_grad=True)
        torch.nn.functional.max_pool2d(tx, 2).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", AVG_GRID + [(6, 8, 2, 3, 1, True, False, None), (6, 6, 3, None, 0, False, True, None)])
def test_avg_pool2d_gradient_in_every_layout(case, layout):
    h, w, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = case
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad, divisor_override=divisor_override)
    data = np.random.default_rng(9).standard_normal((2, 3, h, w))
    x, reference = Tensor(LAYOUTS[layout](data), requires_grad=True), Tensor(data, requires_grad=True)
    out, expected = avg_pool2d(x, **options), avg_pool2d(reference, **options)
    grad = Tensor(np.random.default_rng(10).standard_normal(out.shape))
    out.backward(grad)
    expected.backward(grad)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), reference.grad.numpy(), rtol=1e-14)
    if layout == "channels-last" and min(out.shape[2:]) > 1:
        assert x.grad.numpy().strides[1] == 8
        assert gradcheck(lambda a: avg_pool2d(a, **options), (Tensor(x.detach().numpy(), requires_grad=True),))


@pytest.mark.parametrize("case", [MAX_GRID[0], MAX_GRID[2], MAX_GRID[5]])
def test_max_pool2d_gradient_over_blocks_of_images(case, monkeypatch):
    from needl.autograd.ops import windows
    monkeypatch.setattr(windows, "CHUNK_BYTES", 1)  # one image per block
    h, w, kernel, stride, padding, dilation, ceil_mode = case
    data = np.round(np.random.default_rng(11).standard_normal((5, 3, h, w)))
    x = Tensor(LAYOUTS["channels-last"](data), requires_grad=True)
    out = max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    grad = np.random.default_rng(12).standard_normal(out.shape)
    out.backward(Tensor(grad))
    expected = first_maximum_gradient(data, grad, pair(kernel), pair(stride or kernel), pair(padding), pair(dilation))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15, atol=1e-15)
