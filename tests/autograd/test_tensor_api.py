"""The tensor API PyTorch programs use: values against NumPy, PyTorch's signatures, named tuples,
in-place forms, layout queries and the names PORTING.md lists."""
import numpy as np
import pytest

import needl

A = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)


def x():
    return needl.tensor(A)


# ---- the names of ../shared/PORTING.md that belong to the core --------------------------------
TOP_LEVEL = """acos acosh add addcdiv addcmul addmm all allclose aminmax any argsort argwhere asin atan atan2
baddbmm bernoulli bincount bmm broadcast_tensors broadcast_to bucketize cartesian_prod cdist ceil clone
column_stack cosh count_nonzero cummax cummin cumprod cumsum diag diag_embed diagonal diff dist div dot dropout
dstack eq equal exp2 expm1 flip fliplr flipud floor floor_divide fmod frac ge gt hstack hypot index_select inner
isclose isfinite isinf isnan kron kthvalue le lerp log10 log2 logaddexp logcumsumexp logical_and logical_not
logical_or logical_xor logit logspace lt masked_select median meshgrid mm mode moveaxis movedim mul multinomial
mv nan_to_num nanmean nansum narrow ne neg nonzero normal outer prod quantile randint_like ravel reciprocal
remainder repeat_interleave roll rot90 round rsqrt scatter scatter_add searchsorted select sgn sign sinh sort
square std_mean sub swapaxes t take tan tensordot tile topk trace tril tril_indices triu triu_indices
true_divide trunc unflatten unique var_mean vstack xlogy inference_mode is_floating_point
Size dtype finfo iinfo pi e inf nan FloatTensor LongTensor clamp_min Generator""".split()
METHODS = """abs_ addcmul all any argsort cumsum cumprod exp_ flip floor ceil trunc round fmod remainder
index_select is_contiguous is_floating_point masked_fill_ masked_select nelement new_ones new_tensor new_zeros
new_full new_empty nonzero roll scatter scatter_add scatter_ select sort stride topk tril triu unique unsqueeze_
storage_offset element_size apply_ cumsum_ addcdiv_ addcmul_ index_add_ index_fill_ lerp narrow repeat_interleave
tile unfold sqrt_""".split()


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_name_exists(name):
    assert hasattr(needl, name)


@pytest.mark.parametrize("name", METHODS)
def test_tensor_method_exists(name):
    assert hasattr(needl.Tensor, name)


# ---- values against NumPy ------------------------------------------------------------------
def test_sorting_family_values_and_named_tuples():
    values, indices = x().sort(1, descending=True)
    np.testing.assert_array_equal(values.numpy(), -np.sort(-A, 1))
    np.testing.assert_array_equal(np.take_along_axis(A, indices.numpy(), 1), values.numpy())
    top = x().topk(2, dim=0, largest=False)
    assert top._fields == ("values", "indices") and top.values.shape == (2, 4)
    np.testing.assert_array_equal(top.values.numpy(), np.sort(A, 0)[:2])
    big = needl.tensor(np.random.default_rng(1).standard_normal((2, 100)))
    np.testing.assert_array_equal(big.topk(3).values.numpy(), -np.sort(-big.numpy(), 1)[:, :3])
    np.testing.assert_array_equal(x().kthvalue(2, 1).values.numpy(), np.sort(A, 1)[:, 1])
    np.testing.assert_array_equal(x().argsort(0).numpy(), np.argsort(A, 0, kind="stable"))
    assert x().median().item() == np.sort(A.ravel())[(A.size - 1) // 2]  # the lower median
    ties = needl.tensor([3, 1, 3, 1, 2])
    assert needl.sort(ties, descending=True, stable=True).indices.tolist() == [0, 2, 4, 1, 3]
    mode = needl.tensor([1, 2, 2, 3, 3, 1, 0]).mode()
    assert (mode.values.item(), mode.indices.item()) == (1, 5)  # smallest of the most frequent, last place


def test_median_and_quantile_with_nan():
    data = needl.tensor([1.0, float("nan"), 3.0, 2.0])
    assert np.isnan(data.median().item()) and data.nanmedian().item() == 2.0
    assert np.isnan(needl.quantile(data, 0.5).item())
    assert needl.nanquantile(data, 0.5).item() == 2.0
    q = needl.tensor([0.25, 0.5, 0.75])
    for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
        got = needl.quantile(x(), q, dim=1, keepdim=True, interpolation=interpolation)
        want = np.quantile(A, q.numpy(), axis=1, keepdims=True, method=interpolation)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert needl.quantile(x(), 0.5, keepdim=True).shape == (1, 1)


def test_cumulative_values():
    np.testing.assert_allclose(x().cumsum(1).numpy(), np.cumsum(A, 1), rtol=1e-6)
    np.testing.assert_allclose(x().cumprod(0).numpy(), np.cumprod(A, 0), rtol=1e-6)
    np.testing.assert_allclose(x().logcumsumexp(1).numpy(), np.logaddexp.accumulate(A, 1), rtol=1e-6)
    far = needl.tensor([-1000.0, 0.0])  # exact where a shifted cumsum would underflow to -inf
    assert far.logcumsumexp(0).tolist() == [-1000.0, 0.0]
    values, indices = needl.tensor([1.0, 3.0, 2.0, 3.0, 0.0]).cummax(0)
    assert values.tolist() == [1, 3, 3, 3, 3] and indices.tolist() == [0, 1, 1, 3, 3]
    assert needl.tensor([1, 2, 3], dtype=needl.int32).cumsum(0).dtype == needl.int64
    np.testing.assert_allclose(needl.diff(x(), dim=0, prepend=x()[:1]).numpy(), np.diff(A, axis=0, prepend=A[:1]))


def test_triangles_and_diagonals():
    np.testing.assert_array_equal(x().tril(1).numpy(), np.tril(A, 1))
    np.testing.assert_array_equal(needl.triu(x(), -1).numpy(), np.triu(A, -1))
    np.testing.assert_array_equal(x().diagonal(1).numpy(), np.diagonal(A, 1))
    np.testing.assert_array_equal(needl.diag(needl.tensor([1.0, 2.0]), 1).numpy(), np.diag([1.0, 2.0], 1))
    embedded = needl.diag_embed(x(), offset=-1, dim1=0, dim2=2)
    assert embedded.shape == (5, 3, 5)
    np.testing.assert_array_equal(embedded.diagonal(-1, 0, 2).numpy(), A)
    assert needl.tril_indices(3, 3).tolist() == [list(i) for i in np.tril_indices(3)]
    assert needl.triu_indices(3, 4, 1).shape == (2, 6)
    np.testing.assert_allclose(x().trace().item(), np.trace(A), rtol=1e-6)
    t = needl.zeros(3, 3)
    t.diagonal().fill_(1)  # diagonal is a view, as in PyTorch
    np.testing.assert_array_equal(t.numpy(), np.eye(3))
    assert needl.zeros(3, 3).fill_diagonal_(2).trace().item() == 6


def test_rearranging():
    np.testing.assert_array_equal(x().flip(0, 1).numpy(), A[::-1, ::-1])
    np.testing.assert_array_equal(x().roll(1).numpy(), np.roll(A, 1))
    np.testing.assert_array_equal(needl.rot90(x(), 1, [0, 1]).numpy(), np.rot90(A))
    np.testing.assert_array_equal(needl.movedim(needl.zeros(2, 3, 4), (0, 1), (2, 0)).shape, (3, 4, 2))
    np.testing.assert_array_equal(x().tile((2,)).numpy(), np.tile(A, 2))
    np.testing.assert_array_equal(x().repeat_interleave(2, dim=1).numpy(), np.repeat(A, 2, 1))
    assert needl.repeat_interleave(needl.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    a, b = needl.tensor([1, 2]), needl.tensor([3, 4, 5])
    assert needl.cartesian_prod(a, b).shape == (6, 2)
    xs, ys = needl.meshgrid(a, b, indexing="xy")
    assert xs.shape == (3, 2) and xs[0].tolist() == [1, 2] and ys[:, 0].tolist() == [3, 4, 5]
    ii, jj = needl.meshgrid(a, b, indexing="ij")
    assert ii.shape == (2, 3) and ii[:, 0].tolist() == [1, 2]
    assert needl.hstack([a, b]).tolist() == [1, 2, 3, 4, 5]
    assert needl.vstack([a, a]).shape == needl.column_stack([a, a]).T.shape == (2, 2)
    assert needl.dstack([a, a]).shape == (1, 2, 2)
    flipped = x().flip(0)
    flipped[0, 0] = 100.0  # flip copies: the source is unchanged
    assert x()[2, 0].item() == A[2, 0]


def test_products_values():
    np.testing.assert_allclose(needl.kron(x(), x()).numpy(), np.kron(A, A), rtol=1e-6)
    np.testing.assert_allclose(needl.inner(x(), x()).numpy(), np.inner(A, A), rtol=1e-5)
    np.testing.assert_allclose(needl.tensordot(x(), x(), ([1], [1])).numpy(), np.tensordot(A, A, ([1], [1])), rtol=1e-5)
    np.testing.assert_allclose(needl.outer(x()[0], x()[1]).numpy(), np.outer(A[0], A[1]), rtol=1e-6)
    distances = needl.cdist(x(), x()[:2] * 2)
    want = np.sqrt(((A[:, None] - A[None, :2] * 2) ** 2).sum(-1))
    np.testing.assert_allclose(distances.numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(needl.cdist(x(), x(), p=1).numpy(), np.abs(A[:, None] - A[None]).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(needl.dist(x(), 0 * x(), 3).item(), (np.abs(A) ** 3).sum() ** (1 / 3), rtol=1e-5)
    with pytest.raises(RuntimeError, match="2-D"):
        needl.mm(x()[0], x())
    with pytest.raises(RuntimeError, match="batches"):
        needl.bmm(needl.zeros(2, 3, 4), needl.zeros(3, 4, 5))


def test_indexing_values():
    index = needl.tensor([2, 0])
    np.testing.assert_array_equal(x().index_select(1, index).numpy(), A[:, [2, 0]])
    np.testing.assert_array_equal(x().masked_select(x() > 0).numpy(), A[A > 0])
    np.testing.assert_array_equal(x().nonzero().numpy(), np.argwhere(A))
    assert len(x().nonzero(as_tuple=True)) == 2
    np.testing.assert_array_equal(x().narrow(1, -2, 2).numpy(), A[:, 2:])
    np.testing.assert_array_equal(x().select(0, -1).numpy(), A[-1])
    np.testing.assert_array_equal(x().take(needl.tensor([0, 11])).numpy(), A.ravel()[[0, 11]])
    scattered = needl.zeros(3, 4).scatter(1, needl.tensor([[0], [1], [3]]), 5.0)
    assert scattered.sum().item() == 15 and scattered[2, 3].item() == 5
    added = needl.zeros(3).scatter_add(0, needl.tensor([0, 0, 2]), needl.ones(3))
    assert added.tolist() == [2, 0, 1]
    reduced = needl.tensor([1.0, 2.0, 3.0]).scatter_reduce(0, needl.tensor([0, 0]), needl.tensor([5.0, 4.0]),
                                                            "amax", include_self=False)
    assert reduced.tolist() == [5, 2, 3]
    assert needl.ones(3).index_add(0, needl.tensor([1, 1]), needl.ones(2), alpha=2).tolist() == [1, 5, 1]
    assert needl.zeros(3).index_fill(0, needl.tensor([0, 2]), -1).tolist() == [-1, 0, -1]
    assert needl.zeros(2, 2).index_copy(0, needl.tensor([1]), needl.ones(1, 2)).tolist() == [[0, 0], [1, 1]]
    assert needl.zeros(3).index_put((needl.tensor([0, 0]),), needl.tensor(1.0), accumulate=True).tolist() == [2, 0, 0]


def test_elementwise_values():
    values = needl.tensor([-2.5, -0.5, 0.5, 1.5, 2.5])
    assert values.round().tolist() == [-2, -0, 0, 2, 2]  # half to even, as PyTorch
    assert needl.round(needl.tensor([1.2345]), decimals=2).tolist() == pytest.approx([1.23])
    assert values.trunc().tolist() == [-2, -0, 0, 1, 2] and values.frac().tolist() == [-0.5, -0.5, 0.5, 0.5, 0.5]
    assert needl.fmod(needl.tensor([5.0, -5.0]), 3).tolist() == [2, -2]
    assert needl.remainder(needl.tensor([5.0, -5.0]), 3).tolist() == [2, 1]
    assert needl.div(needl.tensor([-7, 7]), 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert needl.div(needl.tensor([-7, 7]), 2, rounding_mode="floor").tolist() == [-4, 3]
    assert needl.div(needl.tensor([-7, 7]), 2).dtype == needl.float32
    assert needl.floor(needl.tensor([1, 2])).dtype == needl.int64
    assert needl.nan_to_num(needl.tensor([np.nan, np.inf, -np.inf])).tolist() == [
        0, np.finfo(np.float32).max, np.finfo(np.float32).min]
    assert needl.xlogy(needl.tensor([0.0, 2.0]), needl.tensor([0.0, np.e])).tolist() == pytest.approx([0, 2])
    assert needl.exp(needl.tensor([0, 1])).dtype == needl.float32  # integers compute in the default dtype
    assert needl.lerp(needl.zeros(2), needl.ones(2), 0.25).tolist() == [0.25, 0.25]
    assert needl.addcdiv(needl.zeros(1), needl.ones(1), needl.tensor([4.0]), value=2).item() == 0.5
    assert needl.clamp_min(needl.tensor([-1.0, 1.0]), 0).tolist() == [0, 1]


def test_comparison_and_logical():
    assert needl.isclose(needl.tensor([1.0, np.nan]), needl.tensor([1.0 + 1e-9, np.nan]), equal_nan=True).all()
    assert needl.allclose(x(), x() + 1e-9) and needl.equal(x(), x()) and not needl.equal(x(), x()[:2])
    assert needl.eq(x(), x()).all().item() and needl.logical_xor(x() > 0, x() > 0).any().item() is False
    assert needl.count_nonzero(x() > 0, dim=0).dtype == needl.int64
    assert x().all(dim=1, keepdim=True).shape == (3, 1)
    assert needl.isinf(needl.tensor([np.inf, 1.0])).tolist() == [True, False]


def test_counting():
    values, inverse, counts = needl.unique(needl.tensor([[3, 1], [1, 2]]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [[2, 0], [0, 1]] and counts.tolist() == [2, 1, 1]
    assert needl.tensor([1, 1, 2, 2, 1]).unique_consecutive(return_counts=True)[1].tolist() == [2, 2, 1]
    assert needl.bincount(needl.tensor([0, 1, 1, 4])).tolist() == [1, 2, 0, 0, 1]
    assert needl.histc(needl.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]
    boundaries = needl.tensor([1, 3, 5, 7, 9])
    assert needl.bucketize(needl.tensor([3, 6, 9]), boundaries).tolist() == [1, 3, 4]
    assert needl.bucketize(needl.tensor([3, 6, 9]), boundaries, right=True).tolist() == [2, 3, 5]
    rows = needl.tensor([[1, 3, 5], [2, 4, 6]])
    assert needl.searchsorted(rows, needl.tensor([[3], [3]])).tolist() == [[1], [1]]


def test_reductions_api():
    assert needl.aminmax(x()).min.item() == A.min() and needl.aminmax(x(), dim=0).max.shape == (4,)
    var, mean = needl.var_mean(x(), 1)
    np.testing.assert_allclose(var.numpy(), A.var(1, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(mean.numpy(), A.mean(1), rtol=1e-6)
    std, _ = needl.std_mean(x(), dim=0, correction=0)
    np.testing.assert_allclose(std.numpy(), A.std(0), rtol=1e-5)
    assert x().var(False).item() == pytest.approx(A.var(), rel=1e-5)  # var(unbiased) overload
    assert needl.nansum(needl.tensor([1.0, np.nan])).item() == 1
    assert needl.nanmean(needl.tensor([1.0, np.nan, 3.0])).item() == 2
    values = x().max(1)
    assert values._fields == ("values", "indices")
    assert needl.prod(needl.tensor([1, 2, 3]), dtype=needl.float32).dtype == needl.float32
    assert needl.sum(needl.tensor([True, True])).item() == 2


# ---- tensor methods: creation from a tensor, layout, formatting ------------------------------
def test_new_tensor_family_keeps_dtype():
    double = needl.zeros(2, dtype=needl.float64)
    assert double.new_zeros(2, 3).dtype == needl.float64 and double.new_zeros((2, 3)).shape == (2, 3)
    assert double.new_ones(2).dtype == double.new_empty(2).dtype == double.new_full((2,), 7).dtype == needl.float64
    assert double.new_tensor([1, 2]).dtype == needl.float64
    assert double.new_zeros(2, dtype=needl.int64).dtype == needl.int64
    assert double.new_ones(1, requires_grad=True).requires_grad


def test_layout_queries_in_elements():
    t = needl.zeros(2, 3, 4)
    assert t.stride() == (12, 4, 1) and t.stride(-1) == 1 and t.element_size() == 4 and t.nelement() == 24
    assert t.is_contiguous() and not t.transpose(0, 2).is_contiguous()
    assert t.transpose(0, 2).stride() == (1, 4, 12)
    assert t[1].storage_offset() == 12 and t[:, 1:].storage_offset() == 4
    assert t.expand(5, 2, 3, 4).stride() == (0, 12, 4, 1)
    assert t.transpose(0, 2).contiguous().is_contiguous()
    assert needl.zeros(1, 3, 2, 2).permute(0, 2, 3, 1).is_contiguous(memory_format=needl.channels_last) is False
    assert t.data_ptr() == t.numpy().ctypes.data
    assert t.is_floating_point() and not needl.zeros(2, dtype=needl.int64).is_floating_point()
    assert needl.is_floating_point(t) and not t.is_complex()


def test_unfold_windows_and_as_strided():
    t = needl.arange(7.0)
    windows = t.unfold(0, 3, 2)
    assert windows.tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    windows.sum().backward() if windows.requires_grad else None
    leaf = needl.arange(7.0).requires_grad_()
    leaf.unfold(0, 3, 2).sum().backward()
    assert leaf.grad.tolist() == [1, 1, 2, 1, 2, 1, 1]  # overlapping windows add up
    image = needl.arange(24.0).reshape(2, 3, 4)
    assert image.unfold(2, 2, 1).shape == (2, 3, 3, 2)
    assert image.as_strided((2, 2), (1, 4), 1).tolist() == [[1, 5], [2, 6]]
    with pytest.raises(RuntimeError, match="out of bounds"):
        image.as_strided((5, 5), (10, 10))
    with pytest.raises(RuntimeError, match="maximum size"):
        t.unfold(0, 8, 1)


def test_format_of_a_0d_tensor():
    assert f"{needl.tensor(3.14159):.2f}" == "3.14" and f"{needl.tensor(5):d}" == "5"
    assert format(needl.tensor([1.0, 2.0])) == str(needl.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        format(needl.tensor([1.0, 2.0]), ".2f")


# ---- in-place forms -------------------------------------------------------------------------
def test_in_place_forms_write_into_self():
    t = needl.tensor([1.5, -2.5])
    assert t.floor_() is t and t.tolist() == [1, -3]
    t = needl.zeros(3)
    t.scatter_(0, needl.tensor([1]), needl.tensor([4.0]))
    t.index_add_(0, needl.tensor([0, 0]), needl.ones(2))
    t.index_fill_(0, needl.tensor([2]), 7)
    assert t.tolist() == [2, 4, 7]
    t.cumsum_(0)
    assert t.tolist() == [2, 6, 13]
    t.addcmul_(needl.ones(3), needl.ones(3), value=2).addcdiv_(needl.ones(3), needl.ones(3) * 2).lerp_(needl.zeros(3), 0.5)
    assert t.tolist() == pytest.approx([2.25, 4.25, 7.75])
    t.clamp_min_(4.0).clamp_max_(5.0)
    assert t.tolist() == [4, 4.25, 5]
    assert needl.tensor([1.0, 2.0]).apply_(lambda v: v * 10).tolist() == [10, 20]
    m = needl.ones(3, 3)
    assert m.tril_().sum().item() == 6 and m.triu_(1).sum().item() == 0


def test_in_place_forms_are_recorded():
    leaf = needl.tensor([0.5, 1.5, 2.5], requires_grad=True)
    y = leaf * 2
    y.index_add_(0, needl.tensor([0]), leaf[:1] * 3)
    y.scatter_(0, needl.tensor([2]), leaf[1:2])
    y.sum().backward()
    assert leaf.grad.tolist() == [5, 3, 0]
    with pytest.raises(RuntimeError, match="leaf"):
        needl.ones(2, requires_grad=True).floor_()


def test_shape_changes_in_place():
    t = needl.zeros(2, 3)
    assert t.unsqueeze_(0).shape == (1, 2, 3) and t.squeeze_(0).shape == (2, 3)
    assert t.t_().shape == (3, 2) and t.transpose_(0, 1).shape == (2, 3)
    leaf = needl.ones(2, 3, requires_grad=True)
    y = leaf * 1
    y.unsqueeze_(0)
    assert y.shape == (1, 2, 3)
    (y * needl.arange(3.0)).sum().backward()
    assert leaf.grad.tolist() == [[0, 1, 2], [0, 1, 2]]
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.unsqueeze_(0)


def test_masked_fill_value_tensor_gets_gradient():
    value = needl.tensor(2.0, requires_grad=True)
    out = needl.zeros(2, 2).masked_fill(needl.tensor([[True, False], [True, True]]), value)
    out.sum().backward()
    assert value.grad.item() == 3


def test_view_is_a_view_and_reshape_copies_when_needed():
    base = needl.arange(6.0).reshape(2, 3)
    viewed = base.view(3, 2)
    viewed[0, 0] = 100.0
    assert base[0, 0].item() == 100
    with pytest.raises(RuntimeError, match="reshape"):
        base.t().view(6)
    assert base.t().reshape(6).shape == (6,)
    assert base.t().contiguous().view(6).tolist() == [100, 3, 1, 4, 2, 5]


def test_legacy_typed_constructors():
    assert needl.FloatTensor(2, 3).shape == (2, 3) and needl.FloatTensor(2, 3).dtype == needl.float32
    assert needl.LongTensor([1, 2]).dtype == needl.int64 and needl.LongTensor([1, 2]).tolist() == [1, 2]
    assert needl.DoubleTensor(needl.Size([2])).dtype == needl.float64
    assert isinstance(needl.zeros(2), needl.FloatTensor) and not isinstance(needl.zeros(2), needl.LongTensor)


def test_size_dtype_and_limits():
    size = needl.Size([2, 3])
    assert size == (2, 3) and size.numel() == 6 and isinstance(size[1:], needl.Size) and repr(size) == "needl.Size([2, 3])"
    assert isinstance(needl.zeros(1).dtype, needl.dtype)
    assert needl.finfo(needl.float32).eps == np.finfo(np.float32).eps and needl.finfo().bits == 32
    assert needl.iinfo(needl.int64).max == 2 ** 63 - 1
    with pytest.raises(TypeError, match="floating"):
        needl.finfo(needl.int64)
    assert needl.pi == np.pi and needl.inf == float("inf") and np.isnan(needl.nan) and needl.e == np.e
    assert needl.promote_types(needl.int64, needl.float16) == needl.float16


def test_set_printoptions():
    values = needl.tensor([1.23456, 2.0])
    try:
        needl.set_printoptions(precision=2)
        assert repr(values) == "tensor([1.23, 2.00])"
        needl.set_printoptions(threshold=5, edgeitems=1)
        assert "..." in repr(needl.arange(10))
        needl.set_printoptions(sci_mode=True)
        assert "e+00" in repr(values)
    finally:
        needl.set_printoptions(profile="default")
    assert repr(values) == "tensor([1.2346, 2.0000])"
    with pytest.raises(ValueError, match="profile"):
        needl.set_printoptions(profile="long")


def test_small_top_level_helpers():
    y = needl.tensor([1.0, 4.0, 9.0])
    assert needl.trapezoid(y).item() == pytest.approx(np.trapezoid([1, 4, 9]) if hasattr(np, "trapezoid")
                                                       else np.trapz([1, 4, 9]))
    assert needl.trapezoid(y, needl.tensor([0.0, 1.0, 3.0])).item() == pytest.approx(2.5 + 13)
    assert needl.trapezoid(y, dx=2.0).item() == pytest.approx(18)
    assert [t.tolist() for t in needl.where(needl.tensor([[0, 1], [1, 0]]))] == [[0, 1], [1, 0]]
    assert needl.asarray([1.0, 2.0]).dtype == needl.float32 and needl.scalar_tensor(3).shape == ()
    assert needl.range(0, 2).tolist() == [0, 1, 2]  # the deprecated inclusive form
    assert needl.result_type(needl.ones(2), 2.5) == needl.float32
    assert needl.can_cast(needl.int64, needl.float32) and not needl.can_cast(needl.float32, needl.int64)
    hist, edges = needl.histogram(needl.tensor([0.0, 1.0, 1.0, 3.0]), bins=3)
    assert hist.tolist() == [1, 2, 1] and edges.shape == (4,)
    assert needl.float_power(needl.tensor([2.0]), 2).dtype == needl.float64
    assert needl.clone(needl.ones(2)).tolist() == [1, 1] and needl.t(needl.ones(2, 3)).shape == (3, 2)
    assert needl.dropout(needl.ones(4), 0.5, train=False).tolist() == [1, 1, 1, 1]


def test_view_of_a_layout_needl_chose_works_as_on_pytorchs_contiguous_output():
    """Convolutions return channels-last memory; PyTorch's output is contiguous, so programs
    write conv(x).view(n, -1): it must work, and give the NCHW order (views of views still raise)."""
    conv = needl.nn.Conv2d(1, 4, 3)
    x = needl.randn(2, 1, 6, 6)
    y = conv(x)
    flat = y.view(y.size(0), -1)
    np.testing.assert_array_equal(flat.detach().numpy(), y.detach().numpy().reshape(2, -1))
    flat.sum().backward()
    assert conv.weight.grad is not None
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        y.transpose(1, 2).view(-1)
