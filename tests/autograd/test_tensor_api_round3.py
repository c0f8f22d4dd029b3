"""The third round of PyTorch names: new ops (values against NumPy, float64 gradchecks with
broadcasting and non-contiguous inputs, dtype rules), the Tensor methods that delegate to them,
the in-place families (recorded writes: gradients, version counters, the leaf error), the new
top-level functions and optional PyTorch parity."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck

RNG = np.random.default_rng(0)


def leaf(array):
    return needl.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def transposed(shape):
    """A non-contiguous float64 leaf of `shape` (a transpose of a contiguous array)."""
    return needl.tensor(RNG.uniform(0.2, 0.9, shape[::-1]).T, requires_grad=True)


# ---- differentiable ops: gradchecks ----------------------------------------------------------
@pytest.mark.parametrize("function", [needl.fmax, needl.fmin, needl.ldexp])
def test_binary_gradcheck_with_broadcasting_and_non_contiguous(function):
    assert gradcheck(function, (transposed((3, 4)), leaf(RNG.uniform(0.2, 0.9, (4,)))))


def test_fmax_fmin_ignore_nan_and_route_the_gradient_like_pytorch():
    a = leaf([1.0, np.nan, 3.0, 2.0])
    b = leaf([2.0, 1.0, np.nan, 2.0])
    np.testing.assert_array_equal(needl.fmax(a, b).detach().numpy(), [2.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(needl.fmin(a, b).detach().numpy(), [1.0, 1.0, 3.0, 2.0])
    needl.fmax(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0, 0, 1, 1])  # the tie goes to input
    np.testing.assert_array_equal(b.grad.numpy(), [1, 1, 0, 0])


def test_ldexp_frexp_nextafter_values_and_dtypes():
    mantissa, exponent = needl.frexp(needl.tensor([8.0, -3.0, 0.0]))
    assert exponent.dtype == needl.int32 and mantissa.dtype == needl.float32
    np.testing.assert_array_equal(needl.ldexp(mantissa, exponent).numpy(), [8.0, -3.0, 0.0])
    assert needl.ldexp(needl.tensor([1, 2]), needl.tensor([3, 1])).dtype == needl.float32
    step = needl.nextafter(needl.tensor([1.0]), needl.tensor([2.0])) - 1
    assert step.item() == np.finfo(np.float32).eps
    x = leaf([1.0, 2.0])
    needl.nextafter(x, needl.tensor([0.0, 5.0], dtype=needl.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])  # PyTorch passes the gradient through
    with pytest.raises(RuntimeError, match="floating"):
        needl.tensor([1]).frexp()


def test_scatter_into_views_gradcheck():
    base = transposed((3, 4))
    checks = [
        (lambda a, b: needl.diagonal_scatter(a, b, 1), base, leaf(RNG.standard_normal(3))),
        (lambda a, b: needl.diagonal_scatter(a, b, -1, 1, 0), base, leaf(RNG.standard_normal(3))),
        (lambda a, b: needl.select_scatter(a, b, 1, -1), base, leaf(RNG.standard_normal(3))),
        (lambda a, b: needl.slice_scatter(a, b, 1, 1, None, 2), base, leaf(RNG.standard_normal((3, 2)))),
        (lambda a, b: needl.as_strided_scatter(a, b, (2, 2), (1, 3), 1), base, leaf(RNG.standard_normal((2, 2)))),
    ]
    for function, a, b in checks:
        assert gradcheck(function, (a, b))


def test_scatter_into_views_match_numpy_and_check_shapes():
    a = needl.zeros(3, 3)
    np.testing.assert_array_equal(needl.diagonal_scatter(a, needl.ones(3)).numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(a.select_scatter(needl.ones(3), 0, 1).numpy()[1], np.ones(3))
    assert needl.zeros(0, 2).slice_scatter(needl.zeros(0, 1), 1, 0, 1).shape == (0, 2)
    with pytest.raises(RuntimeError, match="src size"):
        needl.diagonal_scatter(a, needl.ones(2))
    with pytest.raises(RuntimeError, match="reach past"):
        needl.as_strided_scatter(a, needl.ones(3, 3), (3, 3), (3, 1), 1)


def test_cov_corrcoef_against_numpy_and_gradcheck():
    data = RNG.standard_normal((3, 6))
    fweights, aweights = np.array([1, 2, 1, 3, 1, 1]), RNG.uniform(0.5, 1.5, 6)
    np.testing.assert_allclose(needl.cov(needl.tensor(data)).numpy(), np.cov(data))
    np.testing.assert_allclose(
        needl.cov(needl.tensor(data), correction=0, fweights=needl.tensor(fweights), aweights=needl.tensor(aweights)).numpy(),
        np.cov(data, ddof=0, fweights=fweights, aweights=aweights))
    np.testing.assert_allclose(needl.tensor(data).corrcoef().numpy(), np.corrcoef(data))
    assert needl.cov(needl.tensor([[1, 2, 4], [3, 1, 0]])).dtype == needl.float32
    assert needl.cov(needl.tensor([1.0, 2.0, 4.0])).ndim == 0
    assert gradcheck(lambda t: needl.cov(t, aweights=needl.tensor(aweights)), (transposed((3, 6)),))
    assert gradcheck(needl.corrcoef, (transposed((2, 5)),))


def test_renorm_matrix_exp_combinations_vander_gradcheck():
    assert gradcheck(lambda t: needl.renorm(t, 2, 0, 0.8), (transposed((3, 4)),))
    assert gradcheck(lambda t: t.renorm(1, 1, 1.0), (transposed((3, 4)),))
    assert gradcheck(needl.matrix_exp, (leaf(RNG.standard_normal((2, 3, 3)) * 2),))
    assert gradcheck(lambda t: needl.combinations(t, 2, with_replacement=True), (leaf([1.0, 2.0, 3.0]),))
    assert gradcheck(lambda t: needl.vander(t, 4), (leaf([1.0, 0.0, -2.0]),))


def test_matrix_exp_values_and_dtype():
    a = RNG.standard_normal((4, 4)) * 3
    eigenvalues, vectors = np.linalg.eig(a)
    expected = (vectors * np.exp(eigenvalues)) @ np.linalg.inv(vectors)
    np.testing.assert_allclose(needl.tensor(a).matrix_exp().numpy(), expected.real, rtol=1e-10, atol=1e-10)
    assert needl.matrix_exp(needl.zeros(2, 2)).dtype == needl.float32
    with pytest.raises(RuntimeError, match="square"):
        needl.matrix_exp(needl.zeros(2, 3))


# ---- off-tape ops: values and dtypes ----------------------------------------------------------
def test_bitwise_ops_values_dtypes_and_float_refusal():
    a = needl.tensor([12, 10, 7], dtype=needl.int32)
    b = needl.tensor([10, 6, 1], dtype=needl.int32)
    np.testing.assert_array_equal(needl.bitwise_and(a, b).numpy(), [8, 2, 1])
    np.testing.assert_array_equal((a | b).numpy(), [14, 14, 7])
    np.testing.assert_array_equal((a ^ 3).numpy(), [15, 9, 4])
    np.testing.assert_array_equal((~a).numpy(), [-13, -11, -8])
    assert (a << 2).dtype == needl.int32 and (a << needl.tensor([1, 1, 1])).dtype == needl.int64
    np.testing.assert_array_equal((1 << a).numpy(), [4096, 1024, 128])
    np.testing.assert_array_equal((a >> 1).numpy(), [6, 5, 3])
    np.testing.assert_array_equal((3 & a).numpy(), [0, 2, 3])
    assert (needl.tensor([True]) << 1).dtype == needl.int64
    np.testing.assert_array_equal(needl.tensor([True, False]).bitwise_xor(True).numpy(), [False, True])
    with pytest.raises(RuntimeError, match="not implemented for 'float32'"):
        needl.tensor([1.0]) .bitwise_and(needl.tensor([1.0]))


def test_gcd_lcm_heaviside_isin_isreal():
    np.testing.assert_array_equal(needl.gcd(needl.tensor([4, 9, 0]), needl.tensor([6, 3, 5])).numpy(), [2, 3, 5])
    np.testing.assert_array_equal(needl.tensor([4, 3]).lcm(needl.tensor([6, 5])).numpy(), [12, 15])
    with pytest.raises(RuntimeError, match="gcd"):
        needl.gcd(needl.tensor([1.0]), needl.tensor([2.0]))
    values = needl.heaviside(needl.tensor([-1.0, 0.0, 2.0]), needl.tensor([0.5]))
    np.testing.assert_array_equal(values.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(needl.isin(needl.tensor([1, 2, 3]), needl.tensor([2, 5])).numpy(), [0, 1, 0])
    np.testing.assert_array_equal(needl.isin(needl.tensor([1, 2]), 2, invert=True).numpy(), [1, 0])
    assert needl.tensor([1.0]).isreal().all()


def test_splits_and_sizes():
    x = needl.arange(24.0).reshape(2, 3, 4)
    assert [p.shape for p in x.hsplit(3)] == [(2, 1, 4)] * 3
    assert [p.shape for p in x.vsplit([1])] == [(1, 3, 4), (1, 3, 4)]
    assert [p.shape for p in needl.dsplit(x, 2)] == [(2, 3, 2)] * 2
    assert [p.shape for p in needl.arange(6).hsplit(3)] == [(2,)] * 3
    with pytest.raises(RuntimeError, match="divisible"):
        x.dsplit(3)
    assert [p.shape for p in x.split_with_sizes([1, 3], dim=2)] == [(2, 3, 1), (2, 3, 3)]
    with pytest.raises(RuntimeError, match="sum exactly"):
        x.split_with_sizes([1, 1], dim=2)
    assert len(x.unsafe_chunk(2, 2)) == 2 and len(x.unsafe_split(1, 0)) == 2
    reduced = x.sum_to_size(3, 1)
    np.testing.assert_array_equal(reduced.numpy(), x.numpy().sum((0, 2))[:, None])
    assert gradcheck(lambda t: t.sum_to_size(1, 4), (transposed((3, 4)),))
    with pytest.raises(RuntimeError, match="not expandable"):
        x.sum_to_size(5)
    assert x.is_same_size(needl.zeros(2, 3, 4)) and not needl.is_same_size(x, needl.zeros(2))


def test_put_and_index_reduce():
    z = needl.zeros(2, 3)
    z.put_(needl.tensor([0, -1, 4]), needl.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(z.numpy(), [[1, 0, 0], [0, 3, 2]])
    acc = needl.zeros(3).put(needl.tensor([0, 0]), needl.tensor([1.0, 2.0]), accumulate=True)
    np.testing.assert_array_equal(acc.numpy(), [3, 0, 0])
    with pytest.raises(IndexError, match="out of range"):
        needl.zeros(3).put_(needl.tensor([3]), needl.tensor([1.0]))
    base = needl.ones(3, 2)
    source = needl.tensor([[2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    index = needl.tensor([0, 2, 0])
    np.testing.assert_array_equal(base.index_reduce(0, index, source, "prod").numpy(), [[12, 21], [1, 1], [4, 5]])
    np.testing.assert_array_equal(base.index_reduce(0, index, source, "amax", include_self=False).numpy(),
                                  [[6, 7], [1, 1], [4, 5]])
    assert gradcheck(lambda s: needl.index_reduce(leaf(np.ones((3, 2))), 0, index, s, "mean"), (leaf(source.numpy()),))
    with pytest.raises(RuntimeError, match="reduce must be"):
        base.index_reduce_(0, index, source, "sum")


def test_window_functions_against_numpy():
    np.testing.assert_allclose(needl.hann_window(8, periodic=False).numpy(), np.hanning(8), atol=1e-6)
    np.testing.assert_allclose(needl.hamming_window(8, False).numpy(), np.hamming(8), atol=1e-6)
    np.testing.assert_allclose(needl.blackman_window(8, False).numpy(), np.blackman(8), atol=1e-6)
    np.testing.assert_allclose(needl.bartlett_window(8, False).numpy(), np.bartlett(8), atol=1e-6)
    np.testing.assert_allclose(needl.kaiser_window(8, False, 5.0).numpy(), np.kaiser(8, 5.0), atol=1e-6)
    np.testing.assert_allclose(needl.hann_window(8).numpy(), np.hanning(9)[:8], atol=1e-6)
    assert needl.hann_window(4, dtype=needl.float64).dtype == needl.float64
    assert needl.hann_window(0).shape == (0,) and needl.hann_window(1).item() == 1.0
    with pytest.raises(RuntimeError, match="floating"):
        needl.hann_window(4, dtype=needl.int64)


def test_small_top_level_functions():
    rows, columns = needl.unravel_index(needl.tensor([4, 5, -1]), (2, 3))
    np.testing.assert_array_equal(rows.numpy(), [1, 1, 1])
    np.testing.assert_array_equal(columns.numpy(), [1, 2, 2])
    y = needl.tensor([1.0, 2.0, 4.0, 7.0])
    np.testing.assert_allclose(needl.cumulative_trapezoid(y).numpy(), [1.5, 4.5, 10.0])
    np.testing.assert_allclose(needl.cumulative_trapezoid(y, needl.tensor([0.0, 1.0, 3.0, 4.0])).numpy(), [1.5, 7.5, 13.0])
    assert gradcheck(lambda t: needl.cumulative_trapezoid(t, dx=0.5, dim=0), (transposed((4, 3)),))
    np.testing.assert_array_equal(needl.vander(needl.tensor([2, 3]), 3).numpy(), [[4, 2, 1], [9, 3, 1]])
    assert needl.combinations(needl.tensor([1, 2, 3]), 0).shape == (0,)
    assert needl.combinations(needl.tensor([1, 2]), 3).shape == (0, 3)
    hist, edges = needl.histogramdd(needl.tensor(RNG.random((20, 2))), bins=[2, 3])
    assert hist.shape == (2, 3) and hist.sum().item() == 20 and [e.shape for e in edges] == [(3,), (4,)]


def test_memory_sharing_constructors_and_dlpack():
    strided = needl.empty_strided((2, 3), (1, 2))
    assert strided.stride() == (1, 2) and strided.dtype == needl.float32
    buffer = bytearray(np.arange(4, dtype=np.int32).tobytes())
    view = needl.frombuffer(buffer, dtype=needl.int32, offset=4)
    np.testing.assert_array_equal(view.numpy(), [1, 2, 3])
    buffer[4] = 9
    assert view[0].item() == 9  # shares the buffer's memory
    source = needl.arange(5.0)
    back = needl.from_dlpack(source.numpy())
    assert np.shares_memory(back.numpy(), source.numpy())
    assert np.shares_memory(needl.from_dlpack(needl.to_dlpack(source)).numpy(), source.numpy())
    assert np.shares_memory(np.from_dlpack(source), source.numpy())
    assert needl.zeros(2).new_empty_strided((2, 2), (2, 1), dtype=needl.float64).dtype == needl.float64


def test_switches_and_queries():
    needl.set_default_device("cpu")
    needl.set_default_device(None)
    assert needl.get_default_device() == needl.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        needl.set_default_device("cuda")
    needl.set_anomaly_enabled(True)
    assert needl.is_anomaly_enabled() and needl.is_anomaly_check_nan_enabled()
    needl.set_anomaly_enabled(False)
    assert not needl.is_anomaly_enabled()
    needl.set_warn_always(True)
    assert needl.is_warn_always_enabled()
    needl.set_warn_always(False)
    assert needl.typename(needl.zeros(1)) == "needl.FloatTensor" and needl.typename(3) == "int"
    assert needl.typename(needl.zeros(1, dtype=needl.int64)) == "needl.LongTensor"
    assert needl.is_storage(needl.zeros(2).untyped_storage()) and not needl.is_storage(needl.zeros(2))
    t = needl.zeros(2, 2)
    assert t.layout is needl.strided and repr(needl.strided) == "needl.strided"
    assert not (t.is_sparse or t.is_meta or t.is_mps or t.is_xpu or t.is_quantized or t.is_nested or t.is_mkldnn)
    assert t.name is None and not t.is_neg() and t.resolve_neg() is t
    assert needl.tensor([2.0]).is_nonzero()
    outputs = needl.linalg.eigh(leaf(np.eye(2) * 2))  # one node, two outputs
    assert [o.output_nr for o in outputs] == [o._index for o in outputs] and outputs[0].output_nr == 0


def test_conjugate_transposes():
    m = needl.tensor(RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3)))
    np.testing.assert_array_equal(m.H.numpy(), m.numpy().conj().T)
    batch = needl.tensor(RNG.standard_normal((2, 2, 3)))
    np.testing.assert_array_equal(batch.mH.numpy(), batch.numpy().transpose(0, 2, 1))
    np.testing.assert_array_equal(batch.adjoint().numpy(), batch.numpy().transpose(0, 2, 1))
    with pytest.raises(RuntimeError, match="matrices"):
        batch.H


def test_legacy_linear_algebra_names():
    a, b, c = (needl.tensor(RNG.standard_normal(shape)) for shape in ((2, 3), (3, 4), (4, 1)))
    np.testing.assert_allclose(needl.chain_matmul(a, b, c).numpy(), a.numpy() @ b.numpy() @ c.numpy())
    np.testing.assert_allclose(needl.nuclear_norm(a).item(), np.linalg.norm(a.numpy(), "nuc"))
    np.testing.assert_allclose(needl.frobenius_norm(a).item(), np.linalg.norm(a.numpy()))
    for name, replacement in (("matrix_rank", "linalg.matrix_rank"), ("lstsq", "linalg.lstsq"),
                              ("solve", "linalg.solve"), ("eig", "linalg.eigh"), ("symeig", "linalg.eigh")):
        with pytest.raises(RuntimeError, match=replacement):
            getattr(needl, name)(a)


# ---- random draws -----------------------------------------------------------------------------
def test_random_methods():
    needl.manual_seed(0)
    probabilities = needl.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    samples = probabilities.multinomial(4, replacement=True)
    assert samples.shape == (2, 4) and (samples[0] == 1).all()
    assert set(needl.full((100,), 0.5).bernoulli().numpy().tolist()) <= {0.0, 1.0}
    assert needl.zeros(50).bernoulli(0.0).sum().item() == 0
    geometric = needl.zeros(200).geometric_(0.5)
    assert geometric.min().item() >= 1 and geometric.dtype == needl.float32
    assert (needl.zeros(100).log_normal_(0.0, 0.5) > 0).all()
    assert needl.zeros(100, dtype=needl.float64).cauchy_().dtype == needl.float64
    t = needl.zeros(5)
    assert t.cauchy_(2.0, 0.1) is t and t._version >= 1


def test_map_calls_the_function_per_element():
    t = needl.tensor([1.0, 2.0, 3.0])
    assert t.map_(needl.tensor([10.0]), lambda a, b: a * b + 1) is t
    np.testing.assert_array_equal(t.numpy(), [11.0, 21.0, 31.0])


# ---- in-place families: recorded writes ---------------------------------------------------
UNARY_INPLACE = {
    "absolute_": "abs", "negative_": "neg", "asinh_": "asinh", "acosh_": "acosh", "atanh_": "atanh",
    "arccos_": "acos", "arcsin_": "asin", "arctan_": "atan", "arccosh_": "acosh", "arcsinh_": "asinh",
    "arctanh_": "atanh", "deg2rad_": "deg2rad", "rad2deg_": "rad2deg", "digamma_": "digamma",
    "lgamma_": "lgamma", "erf_": "erf", "erfc_": "erfc", "erfinv_": "erfinv", "i0_": "i0", "sinc_": "sinc",
    "conj_physical_": "conj_physical"}
BINARY_INPLACE = {
    "arctan2_": "atan2", "copysign_": "copysign", "xlogy_": "xlogy", "float_power_": "float_power",
    "divide_": "div", "multiply_": "mul", "subtract_": "sub", "true_divide_": "true_divide", "ldexp_": "ldexp"}
EXTRA_ARGUMENTS = {"polygamma_": ("polygamma", (1,)), "mvlgamma_": ("mvlgamma", (2,)),
                   "renorm_": ("renorm", (2, 0, 0.5))}


def _start(name):
    """Values inside every function's domain (acosh needs > 1, atanh and erfinv |x| < 1, mvlgamma > 1/2)."""
    low = 1.5 if "cosh" in name or name.startswith("mvlgamma") else 0.2
    high = low + (0.6 if low < 1 else 1.0)
    return RNG.uniform(low, high, (3, 4))


def _check_inplace(name, reference, arguments):
    start = _start(name)
    x = leaf(start)
    out = x * 1.0
    version = out._version
    assert getattr(out, name)(*arguments) is out
    assert out._version == version + 1
    expected = getattr(leaf(start) * 1.0, reference)(*arguments)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    y = leaf(start)
    (getattr(y * 1.0, reference)(*arguments) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-10)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(leaf(start), name)(*arguments)


@pytest.mark.parametrize("name", sorted(UNARY_INPLACE))
def test_unary_inplace_forms_are_recorded(name):
    _check_inplace(name, UNARY_INPLACE[name], ())


@pytest.mark.parametrize("name", sorted(BINARY_INPLACE))
def test_binary_inplace_forms_are_recorded_and_differentiate_the_other(name):
    other = leaf(RNG.uniform(0.2, 0.8, (4,)))
    _check_inplace(name, BINARY_INPLACE[name], (other.detach(),))
    x = leaf(_start(name))
    out = x * 1.0
    getattr(out, name)(other)
    out.sum().backward()
    y, other_again = leaf(x.detach().numpy()), leaf(other.detach().numpy())
    getattr(y * 1.0, BINARY_INPLACE[name])(other_again).sum().backward()
    np.testing.assert_allclose(other.grad.numpy(), other_again.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", sorted(EXTRA_ARGUMENTS))
def test_inplace_forms_of_composite_functions(name):
    reference, arguments = EXTRA_ARGUMENTS[name]
    _check_inplace(name, reference, arguments)


def test_divide_with_rounding_mode_and_float_power_dtype_rule():
    t = needl.tensor([7.0, -7.0])
    np.testing.assert_array_equal(t.divide_(2, rounding_mode="floor").numpy(), [3.0, -4.0])
    with pytest.raises(RuntimeError, match="float64"):
        needl.tensor([2.0]).float_power_(2)


@pytest.mark.parametrize("name", ["addmm_", "addmv_", "addr_", "addbmm_", "baddbmm_"])
def test_fused_product_inplace_forms(name):
    shapes = {"addmm_": ((3, 3), (3, 4), (4, 3)), "addmv_": ((3,), (3, 4), (4,)), "addr_": ((3, 4), (3,), (4,)),
              "addbmm_": ((3, 3), (2, 3, 4), (2, 4, 3)), "baddbmm_": ((2, 3, 3), (2, 3, 4), (2, 4, 3))}[name]
    start, first, second = (RNG.standard_normal(shape) for shape in shapes)
    x, a, b = leaf(start), leaf(first), leaf(second)
    out = x * 1.0
    getattr(out, name)(a, b, beta=0.5, alpha=2.0)
    assert out._version == 1
    (out * out).sum().backward()
    x2, a2, b2 = leaf(start), leaf(first), leaf(second)
    expected = getattr(x2, name[:-1])(a2, b2, beta=0.5, alpha=2.0)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    (expected * expected).sum().backward()
    for got, want in ((x, x2), (a, a2), (b, b2)):
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-10)


STEP_INPLACE = {"eq_": np.equal, "ne_": np.not_equal, "lt_": np.less, "le_": np.less_equal, "gt_": np.greater,
                "ge_": np.greater_equal, "greater_": np.greater, "greater_equal_": np.greater_equal,
                "less_": np.less, "less_equal_": np.less_equal, "not_equal_": np.not_equal,
                "logical_and_": np.logical_and, "logical_or_": np.logical_or, "logical_xor_": np.logical_xor}


@pytest.mark.parametrize("name", sorted(STEP_INPLACE))
def test_comparison_inplace_forms_keep_the_dtype_and_have_zero_gradient(name):
    start = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 2.0]])
    other = np.array([0.5, 0.5, 0.0])
    x = leaf(start)
    out = x * 2.0
    assert getattr(out, name)(needl.tensor(other * 2)) is out
    assert out.dtype == needl.float64 and out._version == 1
    np.testing.assert_array_equal(out.detach().numpy(), STEP_INPLACE[name](start * 2, other * 2))
    (out * x).sum().backward()  # d/dx of (step(2x) * x) = step(2x): the step itself has none
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(leaf(start), name)(needl.tensor(other))


def test_logical_not_and_integer_inplace_families():
    t = needl.tensor([0.0, 2.0])
    np.testing.assert_array_equal(t.logical_not_().numpy(), [1.0, 0.0])
    for name, other, expected in (("bitwise_and_", 6, [0, 2, 4]), ("bitwise_or_", 6, [7, 6, 14]),
                                  ("bitwise_xor_", 6, [7, 4, 10]), ("bitwise_left_shift_", 1, [2, 4, 24]),
                                  ("bitwise_right_shift_", 1, [0, 1, 6]), ("gcd_", 8, [1, 2, 4]),
                                  ("lcm_", 8, [8, 8, 24])):
        t = needl.tensor([1, 2, 12], dtype=needl.int32)
        assert getattr(t, name)(needl.tensor(other)) is t and t._version == 1 and t.dtype == needl.int32
        np.testing.assert_array_equal(t.numpy(), expected)
    t = needl.tensor([1, 2])
    t <<= 2
    t |= 1
    t ^= 3
    t &= 6
    t >>= 1
    np.testing.assert_array_equal(t.numpy(), [3, 1])
    np.testing.assert_array_equal(needl.tensor([5]).bitwise_not_().numpy(), [-6])
    h = needl.tensor([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(h.heaviside_(needl.tensor([0.5])).numpy(), [0.0, 0.5, 1.0])
    n = leaf([1.0])
    out = n * 1.0
    out.nextafter_(needl.tensor([2.0], dtype=needl.float64))
    out.sum().backward()
    assert out.item() > 1.0 and n.grad.item() == 1.0


def test_inplace_on_a_view_moves_the_base():
    x = leaf(RNG.uniform(0.2, 0.8, (2, 3)))
    base = x * 1.0
    base[0].erf_()
    base.sum().backward()
    expected = np.ones((2, 3))
    expected[0] = 2 / np.sqrt(np.pi) * np.exp(-x.detach().numpy()[0] ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_writing_an_input_saved_for_backward_is_detected():
    x = leaf([0.3, 0.4])
    y = x * 1.0
    z = y.erf()  # saves y
    y.erfc_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|in place|inplace"):
        z.sum().backward()


# ---- optional PyTorch parity ------------------------------------------------------------------
def test_pytorch_parity_of_values_and_dtypes():
    torch = pytest.importorskip("torch")
    data = RNG.standard_normal((3, 5)).astype(np.float32)
    other = RNG.standard_normal((5,)).astype(np.float32)
    pairs = [
        (lambda m, t: m.fmax(t(other)), None), (lambda m, t: m.ldexp(t(np.array([1, 2, 0, 1, 3]))), None),
        (lambda m, t: m.cov(), None), (lambda m, t: m.corrcoef(), None),
        (lambda m, t: m.renorm(2, 0, 1.0), None), (lambda m, t: m[:, :3].matrix_exp(), None),
        (lambda m, t: m.diagonal_scatter(t(other[:3])), None),
        (lambda m, t: m.slice_scatter(t(data[:, 1:3]), 1, 1, 3), None),
        (lambda m, t: m.sum_to_size(1, 5), None), (lambda m, t: m.hsplit(5)[2], None),
        (lambda m, t: m.heaviside(t(other)), None), (lambda m, t: m.nextafter(t(other)), None),
        (lambda m, t: m.frexp()[1], None), (lambda m, t: m.mH, None),
    ]
    for function, _ in pairs:
        mine = function(needl.tensor(data), needl.tensor)
        theirs = function(torch.tensor(data), torch.tensor)
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
        assert str(mine.dtype) == str(theirs.dtype).removeprefix("torch.")
    for name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
        for length in (1, 5, 8):
            np.testing.assert_allclose(getattr(needl, name)(length).numpy(), getattr(torch, name)(length).numpy(),
                                       atol=1e-6)
    integers = np.array([12, 10, 7], dtype=np.int32)
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm"):
        mine = getattr(needl, name)(needl.tensor(integers), needl.tensor(3))
        theirs = getattr(torch, name)(torch.tensor(integers), torch.tensor(3))
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
        assert str(mine.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_pytorch_signatures_of_the_new_names():
    torch = pytest.importorskip("torch")
    import inspect
    for name in ("cumulative_trapezoid", "unravel_index", "set_default_device", "chain_matmul", "typename"):
        mine = list(inspect.signature(getattr(needl, name)).parameters)
        try:
            theirs = list(inspect.signature(getattr(torch, name)).parameters)
        except ValueError:  # a builtin without a signature
            continue
        assert mine[:len(theirs)] == theirs or mine == theirs, name
    for name in ("multinomial", "index_reduce", "diagonal_scatter", "slice_scatter", "renorm", "cov"):
        assert hasattr(torch.Tensor, name) and hasattr(needl.Tensor, name)


def test_triangular_and_cholesky_solves():
    a = RNG.standard_normal((2, 3, 3))
    spd = a @ a.transpose(0, 2, 1) + 3 * np.eye(3)
    lower = np.linalg.cholesky(spd)
    b = RNG.standard_normal((2, 3, 2))
    expected = np.linalg.solve(spd, b)
    np.testing.assert_allclose(needl.cholesky_solve(needl.tensor(b), needl.tensor(lower)).numpy(), expected)
    upper = lower.transpose(0, 2, 1)
    np.testing.assert_allclose(needl.cholesky_solve(needl.tensor(b), needl.tensor(upper), True).numpy(), expected)
    np.testing.assert_allclose(needl.cholesky_inverse(needl.tensor(lower[0])).numpy(), np.linalg.inv(spd[0]))
    solution, coefficient = needl.triangular_solve(needl.tensor(b[0]), needl.tensor(upper[0]))
    np.testing.assert_allclose(solution.numpy(), np.linalg.solve(upper[0], b[0]))
    np.testing.assert_array_equal(coefficient.numpy(), upper[0])
    transposed_solution = needl.triangular_solve(needl.tensor(b[0]), needl.tensor(upper[0]), transpose=True).solution
    np.testing.assert_allclose(transposed_solution.numpy(), np.linalg.solve(upper[0].T, b[0]))
    assert gradcheck(needl.cholesky_solve, (leaf(b), leaf(lower)))
