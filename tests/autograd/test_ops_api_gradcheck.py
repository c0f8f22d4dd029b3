"""The tensor API's differentiable ops against float64 finite differences: broadcast and
non-contiguous inputs, second order for the smooth ones, and float32 kept float32."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck, gradgradcheck


def leaf(*shape, low=None, seed=0):
    data = np.random.default_rng(seed + sum(shape)).standard_normal(shape)
    if low is not None:
        data = np.abs(data) + low
    return needl.tensor(data, requires_grad=True)


def transposed(*shape, low=None):
    """A non-contiguous float64 leaf of `shape` (the transpose of a contiguous array)."""
    data = np.random.default_rng(7).standard_normal(tuple(reversed(shape))).T
    if low is not None:
        data = np.abs(data) + low
    assert not data.flags.c_contiguous
    return needl.from_numpy(data).requires_grad_()


OTHER = needl.tensor(np.random.default_rng(11).standard_normal((3, 4)))  # a constant second operand

# (name, function of one tensor, smooth, low: inputs are |x| + low when the domain needs it)
UNARY = [
    ("tan", lambda x: needl.tan(x * 0.5), True, None),
    ("asin", lambda x: needl.asin(x.tanh() * 0.9), True, None),
    ("acos", lambda x: needl.acos(x.tanh() * 0.9), True, None),
    ("atan", needl.atan, True, None),
    ("sinh", needl.sinh, True, None),
    ("cosh", needl.cosh, True, None),
    ("asinh", needl.asinh, True, None),
    ("acosh", needl.acosh, True, 1.5),
    ("atanh", lambda x: needl.atanh(x.tanh() * 0.9), True, None),
    ("deg2rad", needl.deg2rad, True, None),
    ("rad2deg", needl.rad2deg, True, None),
    ("exp2", needl.exp2, True, None),
    ("expm1", needl.expm1, True, None),
    ("log2", needl.log2, True, 0.5),
    ("log10", needl.log10, True, 0.5),
    ("logit", lambda x: needl.logit(x.sigmoid()), True, None),
    ("logit_eps", lambda x: needl.logit(x.sigmoid(), eps=0.3), False, None),
    ("reciprocal", needl.reciprocal, True, 0.5),
    ("rsqrt", needl.rsqrt, True, 0.5),
    ("square", needl.square, True, None),
    ("sigmoid", needl.sigmoid, True, None),
    ("frac", lambda x: needl.frac(x * 3), False, None),
    ("floor", lambda x: needl.floor(x) + x, False, None),
    ("sign", lambda x: needl.sign(x) * x, False, None),
    ("nan_to_num", lambda x: needl.nan_to_num(x), False, None),
    ("float_power", lambda x: needl.float_power(x, 3), True, None),
    ("pow_3", lambda x: x ** 3.0, True, None),
    ("pow_4", lambda x: x ** 4, True, None),
    ("pow_minus_2", lambda x: x ** -2, True, 0.5),
    ("pow_minus_half", lambda x: x ** -0.5, True, 0.5),
    ("pow_2.5", lambda x: x ** 2.5, True, 0.5),
    ("pow_7", lambda x: x ** 7.0, True, None),
    ("cumsum", lambda x: needl.cumsum(x, 1), True, None),
    ("cumprod", lambda x: needl.cumprod(x, 0), True, None),
    ("cumprod_zeros", lambda x: needl.cumprod(x * (x.detach() > 0), 1), False, None),
    ("logcumsumexp", lambda x: needl.logcumsumexp(x, 1), True, None),
    ("cummax", lambda x: needl.cummax(x, 1).values, False, None),
    ("cummin", lambda x: needl.cummin(x, 0).values, False, None),
    ("diff", lambda x: needl.diff(x, n=2, dim=1), True, None),
    ("sort", lambda x: needl.sort(x, 1, descending=True).values, False, None),
    ("topk", lambda x: x.topk(2, dim=0).values, False, None),
    ("kthvalue", lambda x: x.kthvalue(2, 1).values, False, None),
    ("median", lambda x: x.median(), False, None),
    ("median_dim", lambda x: x.median(0, keepdim=True).values, False, None),
    ("mode", lambda x: x.mode(1).values, False, None),
    ("quantile", lambda x: needl.quantile(x, needl.tensor([0.1, 0.5, 0.9], dtype=needl.float64), dim=1), False, None),
    ("prod", lambda x: x.prod(1), True, None),
    ("prod_zero", lambda x: (x * (x.detach() > 0)).prod(0), False, None),
    ("std", lambda x: x.std(1), True, None),
    ("var_mean", lambda x: needl.var_mean(x, 0)[0], True, None),
    ("nansum", lambda x: needl.nansum(x, 1), True, None),
    ("nanmean", needl.nanmean, True, None),
    ("tril", lambda x: x.tril(-1), True, None),
    ("triu", lambda x: x.triu(1), True, None),
    ("diagonal", lambda x: x.diagonal(1), True, None),
    ("diag", lambda x: needl.diag(x, -1), True, None),
    ("diag_embed", lambda x: needl.diag_embed(x, 1), True, None),
    ("trace", lambda x: x.trace(), True, None),
    ("flip", lambda x: x.flip(0, 1), True, None),
    ("roll", lambda x: x.roll((1, -2), (0, 1)), True, None),
    ("rot90", lambda x: x.rot90(3), True, None),
    ("movedim", lambda x: x.movedim(0, 1), True, None),
    ("tile", lambda x: x.tile(2, 1, 3), True, None),
    ("repeat_interleave", lambda x: x.repeat_interleave(needl.tensor([1, 0, 2]), dim=0), True, None),
    ("unfold", lambda x: x.unfold(1, 2, 1), True, None),
    ("as_strided", lambda x: x.as_strided((2, 2), (1, 2)), True, None),
    ("index_select", lambda x: x.index_select(1, needl.tensor([3, 0, 3])), True, None),
    ("masked_select", lambda x: x.masked_select(x.detach() > 0), True, None),
    ("take", lambda x: x.take(needl.tensor([[0, 5], [5, 11]])), True, None),
    ("narrow", lambda x: x.narrow(1, 1, 2), True, None),
    ("select", lambda x: x.select(1, -1), True, None),
    ("take_along_dim", lambda x: needl.take_along_dim(x, needl.tensor([[0], [2], [1]]), 1), True, None),
    ("dist", lambda x: needl.dist(x, OTHER.type_as(x)), True, None),
    ("dist_p3", lambda x: needl.dist(x, OTHER.type_as(x), p=3), True, None),
    ("dist_inf", lambda x: needl.dist(x, OTHER.type_as(x), p=float("inf")), False, None),
    ("cdist", lambda x: needl.cdist(x, OTHER.type_as(x)), True, None),
    ("cdist_mm", lambda x: needl.cdist(x, OTHER.type_as(x), compute_mode="use_mm_for_euclid_dist"), True, None),
    ("cdist_p1", lambda x: needl.cdist(x, OTHER.type_as(x), p=1), False, None),
    ("cdist_p3", lambda x: needl.cdist(x, OTHER.type_as(x), p=3), True, None),
    ("kron", lambda x: needl.kron(x, x), True, None),
    ("inner", lambda x: needl.inner(x, x), True, None),
    ("tensordot", lambda x: needl.tensordot(x, x, ([0], [0])), True, None),
    ("masked_fill_tensor_value", lambda x: x.masked_fill(x.detach() > 0, x[0, 0]), True, None),
]


@pytest.mark.parametrize("name,function,smooth,low", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, function, smooth, low):
    assert gradcheck(function, (leaf(3, 4, low=low),))
    assert gradcheck(function, (transposed(3, 4, low=low),))
    if smooth:
        assert gradgradcheck(function, (leaf(3, 4, low=low),))


@pytest.mark.parametrize("name,function,smooth,low", UNARY, ids=[u[0] for u in UNARY])
def test_unary_keeps_float32(name, function, smooth, low):
    x = leaf(3, 4, low=low).detach().float().requires_grad_()
    out = function(x)
    assert out.dtype == (needl.float64 if name == "float_power" else needl.float32)  # float_power: float64
    out.sum().backward()
    assert x.grad.dtype == needl.float32


# (name, function of two tensors, smooth, low for the second input)
BINARY = [
    ("atan2", needl.atan2, True, 0.5),
    ("hypot", needl.hypot, True, 0.5),
    ("logaddexp", needl.logaddexp, True, None),
    ("logaddexp2", needl.logaddexp2, True, None),
    ("xlogy", needl.xlogy, True, 0.5),
    ("fmod", needl.fmod, False, 0.5),
    ("remainder", needl.remainder, False, 0.5),
    ("copysign", needl.copysign, False, 0.5),
    ("lerp", lambda a, b: needl.lerp(a, b, 0.3), True, None),
    ("lerp_tensor_weight", lambda a, b: needl.lerp(a, b * 2, b), True, None),
    ("addcmul", lambda a, b: needl.addcmul(a, a, b, value=0.5), True, None),
    ("addcdiv", lambda a, b: needl.addcdiv(a, a, b, value=2), True, 0.5),
    ("pow_tensor_exponent", lambda a, b: a.abs() ** b, True, 0.5),
    ("float_power", lambda a, b: needl.float_power(a.abs() + 0.5, b), True, None),
]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ())]


@pytest.mark.parametrize("name,function,smooth,low", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_broadcast(name, function, smooth, low, shapes):
    a, b = leaf(*shapes[0]), leaf(*shapes[1], low=low, seed=1)
    assert gradcheck(function, (a, b))
    if smooth:
        assert gradgradcheck(function, (a, b))


@pytest.mark.parametrize("name,function,smooth,low", BINARY, ids=[b[0] for b in BINARY])
def test_binary_non_contiguous_and_float32(name, function, smooth, low):
    assert gradcheck(function, (transposed(3, 4), transposed(3, 4, low=low)))
    a, b = (t.detach().float().requires_grad_() for t in (leaf(3, 4), leaf(3, 4, low=low, seed=1)))
    out = function(a, b)
    assert out.dtype == (needl.float64 if name == "float_power" else needl.float32)
    out.sum().backward()
    assert a.grad.dtype == b.grad.dtype == needl.float32


INDEX = needl.tensor([[0, 1, 0, 2], [2, 2, 1, 0]])
# (name, function of (input, source)), input (3, 4), source (2, 4)
WRITES = [
    ("scatter", lambda x, s: x.scatter(0, INDEX[:, :2] * 0 + needl.tensor([[0, 1], [2, 0]]), s[:, :2])),
    ("scatter_add", lambda x, s: x.scatter_add(0, INDEX, s)),
    ("scatter_reduce_sum", lambda x, s: x.scatter_reduce(0, INDEX, s, "sum")),
    ("scatter_reduce_mean", lambda x, s: x.scatter_reduce(0, INDEX, s, "mean", include_self=False)),
    ("scatter_reduce_amax", lambda x, s: x.scatter_reduce(0, INDEX, s, "amax")),
    ("scatter_reduce_amin", lambda x, s: x.scatter_reduce(0, INDEX, s, "amin", include_self=False)),
    ("scatter_reduce_prod", lambda x, s: x.scatter_reduce(0, INDEX, s, "prod")),
    ("index_add", lambda x, s: x.index_add(0, needl.tensor([2, 2]), s, alpha=3)),
    ("index_copy", lambda x, s: x.index_copy(0, needl.tensor([2, 0]), s)),
    ("index_put_accumulate", lambda x, s: x.index_put((needl.tensor([1, 1]),), s, accumulate=True)),
    ("masked_scatter", lambda x, s: x.masked_scatter(x.detach() > 0, s)),
    ("index_fill_tensor", lambda x, s: x.index_fill(1, needl.tensor([0, 2]), s[0, 0])),
    ("addmm", lambda x, s: needl.addmm(x[:, :1], x, s.T, beta=0.5, alpha=2)),
    ("baddbmm", lambda x, s: needl.baddbmm(x[:, :2], x.unsqueeze(0), s.T.unsqueeze(0), alpha=0.5)),
    ("addmm_beta_0", lambda x, s: needl.addmm(x[:, :2] * np.nan, x, s.T, beta=0)),
    ("outer", lambda x, s: needl.outer(x[0], s[1])),
    ("mv", lambda x, s: needl.mv(x, s[0])),
    ("dot", lambda x, s: needl.dot(x[0], s[1])),
]


@pytest.mark.parametrize("name,function", WRITES, ids=[w[0] for w in WRITES])
def test_writes_and_products(name, function):
    assert gradcheck(function, (leaf(3, 4), leaf(2, 4, seed=3)))
    assert gradcheck(function, (transposed(3, 4), transposed(2, 4)))


def test_stacks_and_grids():
    a, b = leaf(3), leaf(4, seed=1)
    assert gradcheck(lambda a, b: needl.cartesian_prod(a, b), (a, b))
    assert gradcheck(lambda a, b: needl.meshgrid(a, b, indexing="xy")[1], (a, b))
    assert gradcheck(lambda a, b: needl.hstack([a, b]), (a, b))
    assert gradcheck(lambda a: needl.vstack([a, a * 2]), (a,))
    assert gradcheck(lambda a: needl.dstack([a, a]), (a,))
    assert gradcheck(lambda a: needl.column_stack([a, a * 3]), (a,))
    assert gradcheck(lambda a, b: needl.block_diag(a, b.reshape(2, 2)), (a, b))
    assert gradcheck(lambda a, b: needl.broadcast_tensors(a.reshape(3, 1), b)[0], (a, b))
    assert gradcheck(lambda b: needl.tensor_split(b, 3)[0], (b,))


def test_softmax_precision_kept_for_large_logits():
    x = needl.tensor([[1e4, 1e4 + 1, 1e4 - 3]])
    reference = np.array([1e4, 1e4 + 1, 1e4 - 3]) - np.log(np.exp([-1.0, 0.0, -4.0]).sum()) - (1e4 + 1)
    assert np.abs(x.log_softmax(1).numpy()[0] - reference).max() < 1e-6
