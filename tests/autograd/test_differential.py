"""A property-based differential suite: needl against float64 NumPy references written here.

Random shapes (with size-1, size-0 and 0-d cases), broadcasting pairs, negative dims,
non-contiguous layouts, float32 and float64. Hypothesis runs derandomized (seeded) with a few
dozen examples per property, so the whole file takes seconds.
"""
import numpy as np
import pytest

import needl
import needl.nn.functional as F

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TOLERANCE = {np.dtype(np.float32): dict(rtol=2e-5, atol=2e-5), np.dtype(np.float64): dict(rtol=1e-10, atol=1e-10)}
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
float_dtypes = st.sampled_from([np.float32, np.float64])


@st.composite
def arrays(draw, shape=None, dtype=None, low=None, high=None):
    """A float array of `shape` in a contiguous, transposed or strided (every other element) layout."""
    shape = draw(shapes) if shape is None else tuple(shape)
    dtype = draw(float_dtypes) if dtype is None else dtype
    layout = draw(st.sampled_from(["contiguous", "transposed", "strided"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if layout == "transposed" and len(shape) >= 2:
        data = rng.standard_normal(shape[::-1], dtype=dtype).T
    elif layout == "strided" and len(shape) >= 1:
        data = rng.standard_normal(shape[:-1] + (2 * shape[-1],), dtype=dtype)[..., ::2]
    else:
        data = rng.standard_normal(shape, dtype=dtype)
    if low is not None:
        data = np.abs(data, out=data) + dtype(low) if data.ndim else np.asarray(abs(data) + low, dtype)
    if high is not None:
        data = np.clip(data, -high, high)
    assert data.shape == shape and data.dtype == dtype
    return data


def check(got, want, dtype):
    got = got.detach().numpy() if isinstance(got, needl.Tensor) else np.asarray(got)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.astype(np.float64), want, equal_nan=True, **TOLERANCE[np.dtype(dtype)])


def leaf(data):
    return needl.from_numpy(data).requires_grad_()


def sum_to(grad, shape):
    """A NumPy gradient summed back to an operand's shape (the reference for broadcasting)."""
    while grad.ndim > len(shape):
        grad = grad.sum(0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis, keepdims=True)
    return grad


# ---- elementwise --------------------------------------------------------------------------
# (name, needl function, NumPy reference, its derivative, domain: lower bound of |x| + low)
UNARY = [
    ("exp", needl.exp, np.exp, np.exp, None),
    ("log", needl.log, np.log, lambda x: 1 / x, 0.1),
    ("sqrt", needl.sqrt, np.sqrt, lambda x: 0.5 / np.sqrt(x), 0.1),
    ("tanh", needl.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, None),
    ("sigmoid", needl.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, None),
    ("sin", needl.sin, np.sin, np.cos, None),
    ("atan", needl.atan, np.arctan, lambda x: 1 / (1 + x * x), None),
    ("sinh", needl.sinh, np.sinh, np.cosh, None),
    ("expm1", needl.expm1, np.expm1, np.exp, None),
    ("log1p", needl.log1p, np.log1p, lambda x: 1 / (1 + x), 0.1),
    ("reciprocal", needl.reciprocal, lambda x: 1 / x, lambda x: -1 / x ** 2, 0.1),
    ("square", needl.square, np.square, lambda x: 2 * x, None),
    ("abs", needl.abs, np.abs, np.sign, None),
    ("relu", needl.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), None),
    ("cube", lambda x: x ** 3.0, lambda x: x ** 3, lambda x: 3 * x ** 2, None),
    ("power_2.5", lambda x: x ** 2.5, lambda x: x ** 2.5, lambda x: 2.5 * x ** 1.5, 0.1),
    ("rsqrt", needl.rsqrt, lambda x: x ** -0.5, lambda x: -0.5 * x ** -1.5, 0.1),
    ("floor", needl.floor, np.floor, np.zeros_like, None),
]


@pytest.mark.parametrize("name,function,reference,derivative,low", UNARY, ids=[u[0] for u in UNARY])
@SETTINGS
@given(data=st.data())
def test_unary(name, function, reference, derivative, low, data):
    x = data.draw(arrays(low=low))
    wide = x.astype(np.float64)
    tensor = leaf(x)
    out = function(tensor)
    assert out.dtype == x.dtype
    check(out, reference(wide), x.dtype)
    out.sum().backward()
    assert tensor.grad.dtype == x.dtype
    check(tensor.grad, derivative(wide), x.dtype)


BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b, g: (g, g)),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b, g: (g, -g)),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b, g: (g * b, g * a)),
    ("div", lambda a, b: a / b, lambda a, b: a / b, lambda a, b, g: (g / b, -g * a / b ** 2)),
    ("maximum", needl.maximum, np.maximum, None),
    ("atan2", needl.atan2, np.arctan2, None),
    ("hypot", needl.hypot, np.hypot, None),
    ("logaddexp", needl.logaddexp, np.logaddexp, None),
    ("pow", lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b, None),
]


@pytest.mark.parametrize("name,function,reference,gradients", BINARY, ids=[b[0] for b in BINARY])
@SETTINGS
@given(data=st.data())
def test_binary_broadcasting(name, function, reference, gradients, data):
    pair = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3))
    dtype_a, dtype_b = data.draw(float_dtypes), data.draw(float_dtypes)
    a = data.draw(arrays(pair.input_shapes[0], dtype_a))
    b = data.draw(arrays(pair.input_shapes[1], dtype_b, low=0.5 if name in ("div", "pow") else None))
    left, right = leaf(a), leaf(b)
    out = function(left, right)
    # PyTorch's promotion: dimensioned operands decide, a 0-d one only if it is of a higher category
    expected = (np.promote_types(a.dtype, b.dtype) if a.ndim and b.ndim or a.ndim == b.ndim
                else (a.dtype if a.ndim else b.dtype))
    assert out.dtype == expected
    check(out, reference(a.astype(np.float64), b.astype(np.float64)), out.dtype)
    if gradients is not None and out.numel():
        g = np.random.default_rng(0).standard_normal(out.shape)
        out.backward(needl.tensor(g, dtype=out.dtype))
        want_a, want_b = gradients(a.astype(np.float64), b.astype(np.float64), g)
        # computed in the output's dtype, then cast to each leaf's: the coarser of the two decides
        coarse = np.float32 if np.float32 in (out.dtype, a.dtype, b.dtype) else np.float64
        check(left.grad, sum_to(np.broadcast_to(want_a, pair.result_shape), a.shape), coarse)
        check(right.grad, sum_to(np.broadcast_to(want_b, pair.result_shape), b.shape), coarse)
        assert left.grad.dtype == a.dtype and right.grad.dtype == b.dtype


# ---- reductions ---------------------------------------------------------------------------
@st.composite
def array_and_dim(draw, nonempty=False):
    x = draw(arrays(shape=draw(nonempty_shapes if nonempty else shapes)))
    size = max(x.ndim, 1)
    dim = draw(st.one_of(st.none(), st.integers(-size, size - 1)))
    return x, dim, draw(st.booleans())


def numpy_axis(x, dim):
    return None if dim is None or x.ndim == 0 else dim % x.ndim


REDUCTIONS = [
    ("sum", lambda t, d, k: t.sum(d, keepdim=k), lambda x, a, k: x.sum(a, keepdims=k), False),
    ("mean", lambda t, d, k: t.mean(d, keepdim=k), lambda x, a, k: x.mean(a, keepdims=k), True),
    ("var", lambda t, d, k: t.var(d, keepdim=k, correction=0), lambda x, a, k: x.var(a, keepdims=k), True),
    ("std", lambda t, d, k: t.std(d, keepdim=k, correction=0), lambda x, a, k: x.std(a, keepdims=k), True),
    ("amax", lambda t, d, k: t.amax(() if d is None else d, keepdim=k), lambda x, a, k: x.max(a, keepdims=k), True),
    ("amin", lambda t, d, k: t.amin(() if d is None else d, keepdim=k), lambda x, a, k: x.min(a, keepdims=k), True),
    ("prod", lambda t, d, k: t.prod(d, keepdim=k), lambda x, a, k: x.prod(a, keepdims=k), False),
    ("logsumexp", lambda t, d, k: t.logsumexp(() if d is None else d, keepdim=k),
     lambda x, a, k: np.log(np.exp(x).sum(a, keepdims=k)), True),
    ("nansum", lambda t, d, k: needl.nansum(t, d, keepdim=k), lambda x, a, k: np.nansum(x, a, keepdims=k), False),
]


@pytest.mark.parametrize("name,function,reference,nonempty", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@SETTINGS
@given(data=st.data())
def test_reductions(name, function, reference, nonempty, data):
    x, dim, keepdim = data.draw(array_and_dim(nonempty))
    out = function(needl.from_numpy(x), dim, keepdim)
    assert out.dtype == x.dtype
    with np.errstate(all="ignore"):
        want = reference(x.astype(np.float64), numpy_axis(x, dim), keepdim and x.ndim > 0)
    check(out, want, x.dtype)


@SETTINGS
@given(data=st.data())
def test_reductions_with_indices_and_running_reductions(data):
    x, dim, keepdim = data.draw(array_and_dim(nonempty=True))
    dim = 0 if dim is None else dim
    axis = numpy_axis(x, dim)
    tensor = needl.from_numpy(x)
    values, indices = tensor.max(dim, keepdim)
    if x.ndim:
        check(values, x.max(axis, keepdims=keepdim).astype(np.float64), x.dtype)
        np.testing.assert_array_equal(indices.numpy(), np.argmax(x, axis, keepdims=keepdim))
        check(tensor.cumsum(dim), np.cumsum(x.astype(np.float64), axis), x.dtype)
        check(tensor.softmax(dim), np.exp(x - x.max(axis, keepdims=True)) / np.exp(
            x - x.max(axis, keepdims=True)).sum(axis, keepdims=True), x.dtype)
        check(tensor.sort(dim).values, np.sort(x.astype(np.float64), axis), x.dtype)
    else:
        assert values.item() == x.item() and indices.item() == 0


# ---- shapes and indexing ------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_shape_ops(data):
    x = data.draw(arrays())
    tensor = needl.from_numpy(x)
    wide = x.astype(np.float64)
    size = max(x.ndim, 1)
    check(tensor.reshape(-1), wide.reshape(-1), x.dtype)
    check(tensor.flatten(), wide.reshape(-1), x.dtype)
    if x.ndim:
        order = data.draw(st.permutations(range(x.ndim)))
        check(tensor.permute(*order), wide.transpose(order), x.dtype)
        dim0, dim1 = data.draw(st.integers(-size, size - 1)), data.draw(st.integers(-size, size - 1))
        check(tensor.transpose(dim0, dim1), np.swapaxes(wide, dim0, dim1), x.dtype)
        check(tensor.flip(dim0), np.flip(wide, dim0), x.dtype)
        check(tensor.roll(2, dim1), np.roll(wide, 2, dim1), x.dtype)
        check(needl.cat([tensor, tensor], dim0), np.concatenate([wide, wide], dim0), x.dtype)
        check(needl.stack([tensor, tensor], dim0), np.stack([wide, wide], dim0), x.dtype)
        check(tensor.movedim(dim0, -1), np.moveaxis(wide, dim0, -1), x.dtype)
        start = data.draw(st.integers(0, x.ndim - 1))
        merged = wide.reshape(wide.shape[:start] + (int(np.prod(wide.shape[start:])),))
        check(tensor.flatten(start), merged, x.dtype)
        pieces = tensor.chunk(2, dim0)
        check(needl.cat(pieces, dim0), wide, x.dtype)
    unsqueezed = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(tensor.unsqueeze(unsqueezed), np.expand_dims(wide, unsqueezed), x.dtype)
    check(tensor.squeeze(), np.squeeze(wide), x.dtype)
    if x.ndim >= 2:
        check(tensor.tril(-1), np.tril(wide, -1), x.dtype)
        check(tensor.triu(1), np.triu(wide, 1), x.dtype)


@SETTINGS
@given(data=st.data())
def test_indexing_ops(data):
    x = data.draw(arrays(shape=data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))))
    tensor = leaf(x)
    wide = x.astype(np.float64)
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    length = x.shape[dim]
    index = np.asarray(data.draw(st.lists(st.integers(-length, length - 1), max_size=5)), dtype=np.int64)
    selected = tensor.index_select(dim, needl.tensor(index))
    check(selected, np.take(wide, index, axis=dim), x.dtype)
    step = data.draw(st.integers(1, 3))
    key = (slice(None),) * (dim % x.ndim) + (slice(None, None, step),)
    check(tensor[key], wide[key], x.dtype)
    check(tensor[x > 0], wide[x > 0], x.dtype)
    gather_index = np.random.default_rng(1).integers(0, length, x.shape)
    check(tensor.gather(dim, needl.tensor(gather_index)), np.take_along_axis(wide, gather_index, dim), x.dtype)
    # the gradient of an index_select with repeated indices adds up at each index
    g = np.random.default_rng(2).standard_normal(selected.shape)
    selected.backward(needl.tensor(g, dtype=x.dtype))
    expected = np.zeros(x.shape)
    np.add.at(expected, (slice(None),) * (dim % x.ndim) + (index,), g)
    check(tensor.grad, expected, x.dtype)
    scattered = needl.zeros(x.shape, dtype=x.dtype).scatter_add(dim, needl.tensor(gather_index), needl.from_numpy(x))
    reference = np.zeros(x.shape)
    grid = list(np.indices(x.shape, sparse=True))
    grid[dim % x.ndim] = gather_index
    np.add.at(reference, tuple(grid), wide)
    check(scattered, reference, x.dtype)


# ---- matmul -------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_matmul_with_batch_broadcasting(data):
    n, k, m = (data.draw(st.integers(0, 3)) for _ in range(3))
    batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, min_side=0, max_side=3))
    vector_a, vector_b = data.draw(st.booleans()), data.draw(st.booleans())
    shape_a = (k,) if vector_a else batch.input_shapes[0] + (n, k)
    shape_b = (k,) if vector_b else batch.input_shapes[1] + (k, m)
    dtype = data.draw(float_dtypes)
    a, b = data.draw(arrays(shape_a, dtype)), data.draw(arrays(shape_b, dtype))
    left, right = leaf(a), leaf(b)
    out = left @ right
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    check(out, want, dtype)
    g = np.random.default_rng(3).standard_normal(want.shape)
    out.backward(needl.tensor(g, dtype=dtype))
    a2 = a.astype(np.float64).reshape((1, k) if vector_a else a.shape)
    b2 = b.astype(np.float64).reshape((k, 1) if vector_b else b.shape)
    g2 = g.reshape(np.matmul(a2, b2).shape)
    check(left.grad, sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape), dtype)
    check(right.grad, sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape), dtype)


# ---- convolution and pooling --------------------------------------------------------------
def conv2d_reference(x, w, stride, padding):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, width = x.shape
    out_c, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (width - kw) // stride + 1
    out = np.zeros((n, out_c, ho, wo))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


def pool_reference(x, kernel, stride, reduce):
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    return reduce(windows, axis=(-1, -2))


@SETTINGS
@given(data=st.data())
def test_conv2d_and_pooling(data):
    n, c, out_c = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    kernel, stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))
    h, w = data.draw(st.integers(kernel, 6)), data.draw(st.integers(kernel, 6))
    dtype = data.draw(float_dtypes)
    x, weight = data.draw(arrays((n, c, h, w), dtype)), data.draw(arrays((out_c, c, kernel, kernel), dtype))
    out = F.conv2d(needl.from_numpy(x), needl.from_numpy(weight), stride=stride, padding=padding)
    assert out.dtype == dtype
    check(out, conv2d_reference(x.astype(np.float64), weight.astype(np.float64), stride, padding), dtype)
    check(F.max_pool2d(needl.from_numpy(x), kernel, stride), pool_reference(x.astype(np.float64), kernel, stride, np.max), dtype)
    check(F.avg_pool2d(needl.from_numpy(x), kernel, stride), pool_reference(x.astype(np.float64), kernel, stride, np.mean), dtype)


# ---- losses and norms ---------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_losses(data):
    batch, classes = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    dtype = data.draw(float_dtypes)
    logits = data.draw(arrays((batch, classes), dtype)) * dtype(data.draw(st.sampled_from([1, 30])))
    target = np.asarray(data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch)))
    ignored = np.asarray(data.draw(st.lists(st.booleans(), min_size=batch, max_size=batch)))
    assume(not ignored.all())
    target = np.where(ignored, -100, target)
    wide = logits.astype(np.float64)
    log_probabilities = wide - wide.max(1, keepdims=True)
    log_probabilities -= np.log(np.exp(log_probabilities).sum(1, keepdims=True))
    picked = -log_probabilities[np.arange(batch), np.where(ignored, 0, target)]
    want = picked[~ignored].mean()
    check(F.cross_entropy(needl.from_numpy(logits), needl.tensor(target)), want, dtype)
    check(F.nll_loss(needl.from_numpy(log_probabilities.astype(dtype)), needl.tensor(target)), want, dtype)
    other = data.draw(arrays((batch, classes), dtype))
    difference = wide - other.astype(np.float64)
    check(F.mse_loss(needl.from_numpy(logits), needl.from_numpy(other)), (difference ** 2).mean(), dtype)
    check(F.l1_loss(needl.from_numpy(logits), needl.from_numpy(other), reduction="sum"), np.abs(difference).sum(), dtype)
    huber = np.where(np.abs(difference) < 1, 0.5 * difference ** 2, np.abs(difference) - 0.5)
    check(F.smooth_l1_loss(needl.from_numpy(logits), needl.from_numpy(other), reduction="none"), huber, dtype)
    labels = (other > 0).astype(dtype)
    bce = np.logaddexp(0, wide) - labels * wide
    check(F.binary_cross_entropy_with_logits(needl.from_numpy(logits), needl.from_numpy(labels)), bce.mean(), dtype)
    probabilities = (1 / (1 + np.exp(-np.clip(wide, -15, 15)))).astype(dtype).astype(np.float64)
    check(F.binary_cross_entropy(needl.tensor(probabilities.astype(dtype)), needl.from_numpy(labels)),
          -(labels * np.log(probabilities) + (1 - labels) * np.log(1 - probabilities)).mean(), dtype)


@SETTINGS
@given(data=st.data())
def test_norms(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    dtype = data.draw(float_dtypes)
    x = data.draw(arrays(shape, dtype))
    wide = x.astype(np.float64)
    tensor = needl.from_numpy(x)
    last = wide - wide.mean(-1, keepdims=True)
    check(F.layer_norm(tensor, shape[-1:]), last / np.sqrt(wide.var(-1, keepdims=True) + 1e-5), dtype)
    axes = (0,) + tuple(range(2, len(shape)))
    centred = wide - wide.mean(axes, keepdims=True)
    check(F.batch_norm(tensor, None, None, training=True), centred / np.sqrt(wide.var(axes, keepdims=True) + 1e-5), dtype)
    norm = np.sqrt((wide ** 2).sum(1, keepdims=True))
    check(F.normalize(tensor, dim=1), wide / np.maximum(norm, 1e-12), dtype)
    other = data.draw(arrays(shape, dtype)).astype(np.float64)
    other_norm = np.sqrt((other ** 2).sum(1))
    cosine = (wide * other).sum(1) / (np.maximum(norm[:, 0], 1e-8) * np.maximum(other_norm, 1e-8))
    check(F.cosine_similarity(tensor, needl.tensor(other.astype(dtype))), cosine, dtype)
    check(needl.cdist(tensor, needl.tensor(other.astype(dtype))),
          np.sqrt(((wide[..., :, None, :] - other[..., None, :, :]) ** 2).sum(-1)), dtype)
