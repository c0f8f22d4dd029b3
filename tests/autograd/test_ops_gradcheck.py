"""Every built-in op against float64 finite differences, with broadcasting and odd layouts."""
import numpy as np
import pytest

import needl
from needl.autograd import gradcheck, gradgradcheck


def leaf(*shape, positive=False, low=None):
    data = np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return needl.tensor(data, requires_grad=True)


def strided(*shape):
    """A non-contiguous float64 leaf: the transpose of a contiguous array."""
    data = np.random.default_rng(7).standard_normal(tuple(reversed(shape))).T
    assert not data.flags.c_contiguous
    return needl.from_numpy(data).requires_grad_()


# (name, function, input shapes, smooth: also checked to second order)
BINARY = [
    ("add", lambda a, b: a + b, True),
    ("sub", lambda a, b: a - b, True),
    ("mul", lambda a, b: a * b, True),
    ("div", lambda a, b: a / (b * b + 1), True),
    ("pow", lambda a, b: (a * a + 1) ** b, True),
    ("maximum", lambda a, b: needl.maximum(a, b), False),
    ("minimum", lambda a, b: needl.minimum(a, b), False),
    ("where", lambda a, b: needl.where(a > 0, a, b), False),
]
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ()), ((1,), (2, 3))]


@pytest.mark.parametrize("name,function,smooth", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_ops_broadcast(name, function, smooth, shapes):
    a, b = leaf(*shapes[0]), leaf(*shapes[1])
    assert gradcheck(function, (a, b))
    if smooth:
        assert gradgradcheck(function, (a, b))


def test_scalar_operands_on_both_sides():
    x = leaf(3, 2)
    assert gradcheck(lambda x: 2.0 - x * 3 + 1 / (x * x + 1) + 2 ** x - x / 4, (x,))
    assert gradgradcheck(lambda x: 2.0 - x * 3 + 1 / (x * x + 1) + 2 ** x, (x,))


UNARY = [
    ("neg", lambda x: -x, True, False),
    ("exp", lambda x: x.exp(), True, False),
    ("log", lambda x: x.log(), True, True),
    ("log1p", lambda x: x.log1p(), True, True),
    ("sqrt", lambda x: x.sqrt(), True, True),
    ("abs", lambda x: x.abs(), False, False),
    ("tanh", lambda x: x.tanh(), True, False),
    ("sigmoid", lambda x: x.sigmoid(), True, False),
    ("relu", lambda x: x.relu(), False, False),
    ("sin", lambda x: x.sin(), True, False),
    ("cos", lambda x: x.cos(), True, False),
    ("clamp", lambda x: x.clamp(-0.5, 0.7), False, False),
    ("clamp_min", lambda x: x.clamp(min=0.1), False, False),
    ("pow_scalar", lambda x: x ** 3, True, False),
    ("square_root_power", lambda x: x ** 0.5, True, True),
    ("masked_fill", lambda x: x.masked_fill(x.detach().numpy() > 0.3, 2.0), False, False),
]


@pytest.mark.parametrize("name,function,smooth,positive", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops(name, function, smooth, positive):
    x = leaf(3, 4, positive=positive)
    assert gradcheck(function, (x,))
    if smooth:
        assert gradgradcheck(function, (x,))


@pytest.mark.parametrize("name,function,smooth,positive", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops_non_contiguous(name, function, smooth, positive):
    x = strided(3, 4)
    if positive:
        x.data[...] = np.abs(x.data) + 0.5
    assert gradcheck(function, (x,))


REDUCTIONS = [
    ("sum", lambda x: x.sum(), True),
    ("sum_dim", lambda x: x.sum(1), True),
    ("sum_dims_keepdim", lambda x: x.sum((0, 2), keepdim=True), True),
    ("mean", lambda x: x.mean(), True),
    ("mean_dim", lambda x: x.mean(-1), True),
    ("var", lambda x: x.var(), True),
    ("var_dim_biased", lambda x: x.var(1, unbiased=False), True),
    ("std_dim", lambda x: x.std(0, keepdim=True), True),
    ("amax", lambda x: x.amax(), False),
    ("amax_dim", lambda x: x.amax(1), False),
    ("amin_dims", lambda x: x.amin((0, 1)), False),
    ("max_all", lambda x: x.max(), False),
    ("max_dim", lambda x: x.max(1)[0], False),
    ("min_dim_keepdim", lambda x: x.min(2, keepdim=True)[0], False),
    ("logsumexp", lambda x: x.logsumexp(1), True),
    ("logsumexp_keepdim", lambda x: x.logsumexp(-1, keepdim=True), True),
    ("softmax", lambda x: x.softmax(1), True),
    ("softmax_last", lambda x: x.softmax(-1), True),
    ("log_softmax", lambda x: x.log_softmax(0), True),
    ("prod", lambda x: x.prod(1), True),
]


@pytest.mark.parametrize("name,function,smooth", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions(name, function, smooth):
    x = leaf(2, 3, 4)
    assert gradcheck(function, (x,))
    if smooth:
        assert gradgradcheck(function, (x,))


@pytest.mark.parametrize("name,function,smooth", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions_non_contiguous(name, function, smooth):
    assert gradcheck(function, (strided(2, 3, 4),))


def test_max_with_ties_sends_gradient_to_first_maximum():
    x = needl.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    assert indices.tolist() == [1, 0]
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_amax_splits_gradient_between_ties():
    x = needl.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


SHAPES = [
    ("reshape", lambda x: x.reshape(4, 6)),
    ("view_minus_one", lambda x: x.view(-1, 3)),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("T", lambda x: x.T),
    ("flatten", lambda x: x.flatten(1)),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("unsqueeze_neg", lambda x: x.unsqueeze(-1)),
    ("squeeze", lambda x: x[:, :1].squeeze(1)),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4)),
    ("repeat", lambda x: x.repeat(2, 1, 3)),
    ("repeat_new_dim", lambda x: x.repeat(2, 1, 1, 2)),
    ("split", lambda x: x.split(2, dim=2)[1]),
    ("chunk", lambda x: x.chunk(3, dim=1)[2]),
    ("unbind", lambda x: x.unbind(1)[1]),
    ("getitem_int", lambda x: x[1]),
    ("getitem_slices", lambda x: x[:, 1:3, ::2]),
    ("getitem_negative_step", lambda x: x[:, ::-1]),
    ("getitem_none_ellipsis", lambda x: x[None, ..., 1]),
    ("getitem_int_array", lambda x: x[[0, 1, 1, 0]]),
    ("getitem_repeated_index", lambda x: x[:, [2, 2, 0, 2]]),
    ("getitem_bool", lambda x: x[x.detach().numpy() > 0]),
    ("getitem_tensor_index", lambda x: x[needl.tensor([1, 0]), :, needl.tensor([3, 3])]),
    ("gather", lambda x: x.gather(2, needl.tensor(np.array([[[0, 0], [1, 3], [2, 2]]] * 2)))),
    ("double_to_double", lambda x: x.double() * x.astype(needl.float64)),
    ("clone", lambda x: x.clone()),
]


@pytest.mark.parametrize("name,function", SHAPES, ids=[s[0] for s in SHAPES])
def test_shape_and_indexing_ops(name, function):
    x = leaf(2, 3, 4)
    assert gradcheck(function, (x,))
    assert gradgradcheck(lambda x: function(x) * function(x), (x,))


def test_repeated_indices_accumulate_gradient():
    x = needl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_cat_and_stack():
    a, b, c = leaf(2, 3), leaf(2, 1), leaf(2, 2)
    assert gradcheck(lambda a, b, c: needl.cat([a, b, c], dim=1), (a, b, c))
    assert gradcheck(lambda a, b: needl.stack([a, b * a], dim=-1), (a, b))
    assert gradgradcheck(lambda a, b: needl.cat([a * a, b], 1), (a, b))


MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_batch_broadcast(shapes):
    a, b = leaf(*shapes[0]), leaf(*shapes[1])
    assert gradcheck(lambda a, b: a @ b, (a, b))
    assert gradgradcheck(lambda a, b: a @ b, (a, b))


def test_matmul_non_contiguous():
    assert gradcheck(lambda a, b: a @ b, (strided(3, 4), strided(4, 5)))


EINSUMS = [("ij,jk->ik", [(3, 4), (4, 2)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
           ("ij->", [(3, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]), ("i,j->ij", [(3,), (2,)]),
           ("...ij,jk", [(2, 3, 4), (4, 2)]), ("ijk,k->j", [(2, 3, 4), (4,)])]


@pytest.mark.parametrize("equation,shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(equation, shapes):
    operands = [leaf(*s) for s in shapes]
    assert gradcheck(lambda *ops: needl.einsum(equation, *ops), operands)
    expected = np.einsum(equation, *[o.detach().numpy() for o in operands])
    assert np.allclose(needl.einsum(equation, *operands).detach().numpy(), expected)


def test_softmax_family_stays_finite_for_large_inputs():
    x = needl.tensor([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], requires_grad=True)
    for result in (x.softmax(1), x.log_softmax(1), x.logsumexp(1)):
        assert np.all(np.isfinite(result.detach().numpy()))
        result.sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
        x.grad = None
    assert np.allclose(x.softmax(1).detach().numpy()[0], [1.0, 0.0, 0.0])
    assert np.allclose(x.logsumexp(1).detach().numpy(), [1e4, 1e4 + np.log(3)])


def test_cast_gradient_comes_back_in_the_input_dtype():
    x = needl.tensor([1.0, 2.0], dtype=needl.float64, requires_grad=True)
    y = x.float()
    assert y.dtype == needl.float32
    (y * 3).sum().backward()
    assert x.grad.dtype == needl.float64 and x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("name,function,smooth", BINARY, ids=[b[0] for b in BINARY])
def test_binary_ops_non_contiguous(name, function, smooth):
    stepped = needl.from_numpy(np.random.default_rng(3).standard_normal(8)[::2]).requires_grad_()
    assert not stepped.detach().numpy().flags.c_contiguous
    assert gradcheck(function, (strided(3, 4), stepped))
    assert gradcheck(function, (strided(3, 4), strided(3, 4)))
