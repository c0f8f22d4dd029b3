"""conv1d, conv2d, conv_transpose2d: finite-difference gradients, PyTorch's output sizes, clear errors."""
import numpy as np
import pytest

import needl
from needl.autograd import Tensor, gradcheck
from needl.autograd.ops.conv import conv1d, conv2d, conv_transpose2d


def leaf(*shape):
    return Tensor(needl.autograd.random.generator().standard_normal(shape), requires_grad=True)


def conv_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


# (N, C, H, W, C_out, kernel, stride, padding, dilation, groups): odd sizes, every option
CONV2D_GRID = [
    (2, 2, 5, 5, 3, 3, 1, 0, 1, 1),
    (2, 2, 5, 6, 3, 3, 1, 1, 1, 1),
    (1, 3, 7, 5, 2, 3, 2, 1, 1, 1),
    (2, 4, 6, 7, 4, 3, 2, 0, 1, 2),
    (1, 4, 7, 7, 4, (2, 3), (2, 1), (1, 2), (2, 1), 4),
    (2, 2, 5, 5, 4, 1, 3, 0, 1, 2),
    (1, 3, 6, 6, 3, 2, 1, 2, 2, 3),
    (2, 2, 5, 7, 2, (3, 1), 1, (0, 1), 1, 1),
]


def pair(value):
    return value if isinstance(value, tuple) else (value, value)


@pytest.mark.parametrize("case", CONV2D_GRID)
def test_conv2d_gradcheck_and_output_shape(case):
    n, c, h, w, out_channels, kernel, stride, padding, dilation, groups = case
    kh, kw = pair(kernel)
    x, weight, bias = leaf(n, c, h, w), leaf(out_channels, c // groups, kh, kw), leaf(out_channels)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = conv2d(x, weight, bias, **options)
    expected = tuple(conv_size(size, k, s, p, d) for size, k, s, p, d in
                     zip((h, w), (kh, kw), pair(stride), pair(padding), pair(dilation)))
    assert out.shape == (n, out_channels) + expected
    assert gradcheck(lambda *a: conv2d(*a, **options), (x, weight, bias))


def test_conv2d_matches_a_direct_sum():
    x, weight, bias = leaf(2, 3, 5, 6), leaf(4, 3, 2, 3), leaf(4)
    out = conv2d(x, weight, bias, stride=(2, 1), padding=1).detach().numpy()
    padded = np.pad(x.detach().numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.zeros(out.shape)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = padded[:, :, 2 * i:2 * i + 2, j:j + 3]
            expected[:, :, i, j] = np.einsum("nchw,ochw->no", patch, weight.detach().numpy()) + bias.detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_conv2d_without_bias_and_unbatched_input():
    x, weight = leaf(3, 5, 5), leaf(2, 3, 3, 3)
    out = conv2d(x, weight, padding=1)
    assert out.shape == (2, 5, 5)
    batched = conv2d(Tensor(x.detach().numpy()[None]), Tensor(weight.detach().numpy()), padding=1)
    np.testing.assert_allclose(out.detach().numpy(), batched.detach().numpy()[0])
    assert gradcheck(lambda a, b: conv2d(a, b, padding=1), (x, weight))


@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), (2, 3), ((2, 3), (2, 1))])
def test_conv2d_same_padding_keeps_the_size(kernel, dilation):
    kh, kw = pair(kernel)
    x, weight = leaf(1, 2, 5, 6), leaf(3, 2, kh, kw)
    out = conv2d(x, weight, padding="same", dilation=dilation)
    assert out.shape == (1, 3, 5, 6)
    assert gradcheck(lambda a, b: conv2d(a, b, padding="same", dilation=dilation), (x, weight))
    assert conv2d(x, weight, padding="valid").shape == (1, 3, 5 - kh + 1, 6 - kw + 1)


def test_conv2d_skips_the_input_gradient_of_a_data_batch():
    x = Tensor(np.ones((2, 2, 5, 5)))
    weight = leaf(3, 2, 3, 3)
    conv2d(x, weight).sum().backward()
    assert x.grad is None and weight.grad.shape == (3, 2, 3, 3)


def test_conv2d_float32_stays_float32():
    x = needl.randn(2, 3, 6, 6, requires_grad=True)
    weight = needl.randn(4, 3, 3, 3, requires_grad=True)
    bias = needl.randn(4, requires_grad=True)
    out = conv2d(x, weight, bias, padding=1)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == weight.grad.dtype == bias.grad.dtype == np.float32


def test_conv2d_is_one_tape_node():
    x, weight, bias = leaf(1, 2, 5, 5), leaf(2, 2, 3, 3), leaf(2)
    out = conv2d(x, weight, bias)
    assert out.grad_fn is not None
    assert all(input.grad_fn is None for input in out.grad_fn.inputs if isinstance(input, Tensor))


CONV1D_GRID = [
    (2, 2, 7, 3, 3, 1, 0, 1, 1),
    (2, 4, 8, 4, 3, 2, 1, 2, 2),
    (1, 3, 9, 3, 2, 3, 2, 1, 3),
    (2, 2, 6, 2, 4, 1, "same", 2, 1),
]


@pytest.mark.parametrize("case", CONV1D_GRID)
def test_conv1d_gradcheck_and_output_shape(case):
    n, c, length, out_channels, kernel, stride, padding, dilation, groups = case
    x, weight, bias = leaf(n, c, length), leaf(out_channels, c // groups, kernel), leaf(out_channels)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = conv1d(x, weight, bias, **options)
    expected = length if padding == "same" else conv_size(length, kernel, stride, padding, dilation)
    assert out.shape == (n, out_channels, expected)
    assert gradcheck(lambda *a: conv1d(*a, **options), (x, weight, bias))


def transpose_size(size, kernel, stride, padding, output_padding, dilation):
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


# (N, C, H, W, C_out, kernel, stride, padding, output_padding, dilation, groups)
TRANSPOSE_GRID = [
    (2, 2, 3, 4, 3, 3, 1, 0, 0, 1, 1),
    (2, 4, 3, 3, 4, 3, 2, 1, 1, 1, 2),
    (1, 2, 4, 3, 2, (2, 3), (3, 2), (1, 2), (2, 1), (1, 2), 1),
    (1, 3, 3, 3, 3, 2, 2, 1, 0, 2, 3),
]


@pytest.mark.parametrize("case", TRANSPOSE_GRID)
def test_conv_transpose2d_gradcheck_and_output_shape(case):
    n, c, h, w, out_channels, kernel, stride, padding, output_padding, dilation, groups = case
    kh, kw = pair(kernel)
    x = leaf(n, c, h, w)
    weight, bias = leaf(c, out_channels // groups, kh, kw), leaf(out_channels)
    options = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    out = conv_transpose2d(x, weight, bias, **options)
    expected = tuple(transpose_size(*args) for args in zip((h, w), (kh, kw), pair(stride), pair(padding),
                                                             pair(output_padding), pair(dilation)))
    assert out.shape == (n, out_channels) + expected
    assert gradcheck(lambda *a: conv_transpose2d(*a, **options), (x, weight, bias))


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    x, weight, grad = leaf(2, 3, 7, 6), leaf(4, 3, 3, 3), leaf(2, 4, 4, 3)
    out = conv2d(x, weight, stride=2, padding=1, dilation=1)
    out.backward(Tensor(grad.detach().numpy()))
    transposed = conv_transpose2d(Tensor(grad.detach().numpy()), Tensor(weight.detach().numpy()), stride=2, padding=1, output_padding=(0, 1))
    np.testing.assert_allclose(transposed.detach().numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call,message", [
    (lambda: conv2d(leaf(2, 3, 6, 6), leaf(4, 2, 3, 3)),
     r"expected input\[2, 3, 6, 6\] to have 2 channels \(weight of shape \[4, 2, 3, 3\], groups=1\), but got 3"),
    (lambda: conv2d(leaf(1, 2, 3, 3), leaf(2, 2, 5, 5)), r"kernel of size \[5, 5\].*larger than the padded input"),
    (lambda: conv2d(leaf(1, 4, 5, 5), leaf(3, 2, 3, 3), groups=2), r"groups=2 must divide.*\[3, 2, 3, 3\]"),
    (lambda: conv2d(leaf(1, 3, 5, 5), leaf(4, 1, 3, 3), groups=2), r"input\[1, 3, 5, 5\] to have 2 channels.*groups=2"),
    (lambda: conv2d(leaf(5, 5), leaf(3, 1, 3, 3)), r"input of shape \[5, 5\]"),
    (lambda: conv2d(leaf(1, 2, 5, 5), leaf(3, 2, 3, 3), leaf(2)), r"bias of shape \[3\].*got bias of shape \[2\]"),
    (lambda: conv2d(leaf(1, 2, 5, 5), leaf(3, 2, 3, 3), stride=2, padding="same"), "strided"),
    (lambda: conv2d(leaf(1, 2, 5, 5), leaf(3, 2, 3, 3), stride=0), "stride must be positive"),
    (lambda: conv1d(leaf(1, 2, 2), leaf(3, 2, 3)), r"larger than the padded input of size \[2\]"),
    (lambda: conv_transpose2d(leaf(1, 3, 4, 4), leaf(2, 2, 3, 3)), r"input\[1, 3, 4, 4\] to have 2 channels"),
    (lambda: conv_transpose2d(leaf(1, 2, 4, 4), leaf(2, 2, 3, 3), stride=2, output_padding=2), "output_padding"),
])
def test_bad_input_raises_an_error_naming_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mixed_dtypes_are_refused():
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        conv2d(needl.randn(1, 2, 5, 5), leaf(3, 2, 3, 3))


@pytest.mark.parametrize("case", CONV2D_GRID[:5])
def test_conv2d_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    n, c, h, w, out_channels, kernel, stride, padding, dilation, groups = case
    kh, kw = pair(kernel)
    x, weight, bias = leaf(n, c, h, w), leaf(out_channels, c // groups, kh, kw), leaf(out_channels)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = conv2d(x, weight, bias, **options)
    grad = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(Tensor(grad))
    tx, tw, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (x, weight, bias))
    expected = torch.nn.functional.conv2d(tx, tw, tb, **options)
    expected.backward(torch.tensor(grad))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, theirs in ((x, tx), (weight, tw), (bias, tb)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", TRANSPOSE_GRID)
def test_conv_transpose2d_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    n, c, h, w, out_channels, kernel, stride, padding, output_padding, dilation, groups = case
    kh, kw = pair(kernel)
    x, weight, bias = leaf(n, c, h, w), leaf(c, out_channels // groups, kh, kw), leaf(out_channels)
    options = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    out = conv_transpose2d(x, weight, bias, **options)
    expected = torch.nn.functional.conv_transpose2d(*(torch.tensor(t.detach().numpy()) for t in (x, weight, bias)), **options)
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), rtol=1e-10, atol=1e-10)


def test_blocks_of_images_give_the_same_result_as_one_block(monkeypatch):
    from needl.autograd.ops import windows
    x, weight, bias = leaf(5, 4, 6, 5), leaf(6, 2, 3, 3), leaf(6)
    t_weight = leaf(4, 3, 3, 2)

    def run():
        x.grad = weight.grad = t_weight.grad = None
        out = conv2d(x, weight, bias, stride=(2, 1), padding=1, groups=2)
        transposed = conv_transpose2d(x, t_weight, stride=2, padding=1, groups=2)
        (out.sum() + (transposed * transposed).sum()).backward()
        return [t.detach().numpy().copy() for t in (out, transposed, x.grad, weight.grad, t_weight.grad)]

    whole = run()
    monkeypatch.setattr(windows, "CHUNK_BYTES", 1)  # one image per block
    for mine, expected in zip(run(), whole):
        np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("function,shapes,options", [
    (conv2d, [(1, 2, 5, 4), (2, 1, 3, 2), (2,)], dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
    (conv1d, [(2, 2, 6), (3, 2, 3), (3,)], dict(stride=2, padding=1)),
    (conv_transpose2d, [(1, 2, 3, 3), (2, 2, 2, 3), (2,)], dict(stride=2, padding=1, output_padding=1)),
])
def test_second_order_gradients(function, shapes, options):
    from needl.autograd import gradgradcheck
    inputs = [leaf(*shape) for shape in shapes]
    assert gradgradcheck(lambda *a: function(*a, **options), inputs)


def test_scratch_buffers_are_reused_but_huge_ones_are_not_kept(monkeypatch):
    from needl.autograd.ops import windows
    windows.clear_workspace()
    first = windows.scratch((4, 5), np.float32)
    second = windows.scratch((2, 3), np.float32)
    assert np.shares_memory(first, second)
    monkeypatch.setattr(windows, "KEEP_BYTES", 16)
    big = windows.scratch((10,), np.float32)
    assert big.shape == (10,) and not np.shares_memory(big, windows.scratch((2,), np.float32))


@pytest.mark.parametrize("case", [
    # (N, C, H, W, C_out, kernel, padding (top, bottom, left, right), dilation, groups)
    (2, 4, 6, 5, 6, (3, 3), (1, 1, 1, 1), (1, 1), 2),
    (1, 3, 5, 7, 2, (4, 2), (1, 2, 0, 1), (1, 1), 1),   # 'same' with an even kernel: asymmetric
    (2, 2, 6, 6, 4, (2, 3), (2, 2, 2, 2), (2, 1), 1),
])
def test_stride_one_input_gradient_by_gathering_equals_the_scatter_path(case, monkeypatch):
    """With stride 1 the input gradient is a correlation with the flipped weight (no col2im)."""
    from needl.autograd.ops import conv_kernels
    n, c, h, w, out_channels, (kh, kw), padding, dilation, groups = case
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((out_channels, c // groups, kh, kw)).astype(np.float32)
    ho = h + padding[0] + padding[1] - dilation[0] * (kh - 1)
    wo = w + padding[2] + padding[3] - dilation[1] * (kw - 1)
    grad = rng.standard_normal((n, out_channels, ho, wo)).astype(np.float32)
    assert conv_kernels.gather_padding((ho, wo), (kh, kw), (h, w), padding, dilation) is not None
    gathered = conv_kernels.input_grad(grad, weight, (h, w), (1, 1), padding, dilation, groups)
    monkeypatch.setattr(conv_kernels, "gather_padding", lambda *args: None)
    scattered = conv_kernels.input_grad(grad, weight, (h, w), (1, 1), padding, dilation, groups)
    assert gathered.shape == scattered.shape == (n, c, h, w) and gathered.dtype == np.float32
    np.testing.assert_allclose(gathered, scattered, rtol=1e-5, atol=1e-5)
