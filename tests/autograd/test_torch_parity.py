"""Optional: the tensor API's values and gradients against PyTorch's on the same expressions."""
import numpy as np
import pytest

import needl

torch = pytest.importorskip("torch")

DATA = np.random.default_rng(1).standard_normal((3, 4))
# expressions in `m` (needl or torch) and `x` (a (3, 4) float64 leaf)
EXPRESSIONS = [
    "m.sort(x, 1)[0]", "m.sort(x, 0, descending=True)[0]", "m.topk(x, 2)[0]", "m.topk(x, 2, dim=0, largest=False)[0]",
    "m.kthvalue(x, 2, 1)[0]", "m.median(x)", "m.median(x, 1)[0]", "m.quantile(x, 0.3)",
    "m.quantile(x, m.tensor([0.2, 0.8], dtype=m.float64), dim=1, keepdim=True)", "m.cumsum(x, 1)", "m.cumprod(x, 0)",
    "m.cumprod(x * (x > 0), 1)", "m.cummax(x, 1)[0]", "m.logcumsumexp(x, 1)", "m.diff(x, dim=1)", "m.tril(x)",
    "m.diag(x)", "m.diag(x[0], 1)", "m.diag_embed(x)", "m.diagonal(x, 1)", "m.trace(x)", "m.flip(x, [0, 1])",
    "m.roll(x, 1, 1)", "m.rot90(x)", "m.tile(x, (2,))", "m.repeat_interleave(x, 2, dim=0)", "m.kron(x, x)",
    "m.outer(x[0], x[1])", "m.inner(x, x)", "m.tensordot(x, x.T, 1)", "m.cdist(x, x * 2)", "m.cdist(x, x, p=1)",
    "m.dist(x, x * 2)", "m.dist(x, x * 0.5, p=3)", "m.index_select(x, 1, m.tensor([0, 2]))",
    "m.masked_select(x, x > 0)", "m.take(x, m.tensor([0, 2]))", "m.narrow(x, 1, 1, 2)",
    "m.scatter(x, 1, m.tensor([[0, 0]] * 3), x[:, :2] * 3)", "m.scatter_add(x, 1, m.tensor([[0, 0]] * 3), x[:, :2] * 3)",
    "m.scatter_reduce(x, 1, m.tensor([[0, 0]] * 3), x[:, :2] * 3, 'amax')",
    "m.scatter_reduce(x, 1, m.tensor([[0, 0]] * 3), x[:, :2] * 3, 'mean', include_self=False)",
    "m.index_add(x, 1, m.tensor([0, 2]), x[:, :2])", "m.atan2(x, x * 2 + 3)", "m.hypot(x, x + 1)",
    "m.logaddexp(x, x * 2)", "m.xlogy(x, x.abs())", "m.fmod(x, x + 3)", "m.remainder(x, x + 3)", "m.frac(x)",
    "m.logit(x.sigmoid())", "m.lerp(x, x * 2, 0.3)", "m.addcdiv(x, x, x + 3, value=2)", "m.nansum(x)",
    "m.nanmean(x, 1)", "m.var_mean(x, 1)[0]", "m.std_mean(x)[0]", "x.unfold(1, 2, 1)", "x.as_strided((2, 2), (1, 2))",
    "x.prod(1)", "x.std(1)", "m.tan(x)", "m.asin(x * 0.3)", "m.acosh(x.abs() + 1.5)", "m.exp2(x)", "m.expm1(x)",
    "m.log10(x.abs())", "m.rsqrt(x.abs())", "m.take_along_dim(x, m.tensor([[0, 0]] * 3), 1)", "m.block_diag(x, x[0])",
    "m.mode(x, 1)[0]", "x ** 3.0 + x.abs() ** 2.5 + x ** -1", "x.sigmoid()", "x.log_softmax(1)", "m.float_power(x, 2)",
    "m.round(x * 10, decimals=-1)", "m.nan_to_num(x.log())", "m.cartesian_prod(x[0], x[1])",
    "m.meshgrid(x[0], x[1], indexing='xy')[0]", "m.addmm(x[:, :1], x, x.T)", "m.baddbmm(x, x[None], x.T[None] @ x[None])",
]


def evaluate(module, expression):
    x = module.tensor(DATA, requires_grad=True)
    with np.errstate(all="ignore"):
        out = eval(expression, {"m": module, "x": x})
    upstream = np.random.default_rng(2).standard_normal(tuple(out.shape))
    (out * module.tensor(upstream)).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_values_and_gradients_match_pytorch(expression):
    ours, theirs = evaluate(needl, expression), evaluate(torch, expression)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9, atol=1e-10, equal_nan=True)


@pytest.mark.parametrize("expression", [
    "(np.float64(2.0) * m.ones(3)).dtype", "(m.ones(3) * m.tensor(2.0, dtype=m.float64)).dtype",
    "(m.ones(3) * m.ones(3, dtype=m.int64)).dtype", "(m.ones(3, dtype=m.int64) * 2.5).dtype",
    "(m.ones(3, dtype=m.int64) / m.ones(3, dtype=m.int64)).dtype", "(m.ones(3, dtype=m.int32) + m.tensor(3)).dtype",
    "(m.ones(3, dtype=m.uint8) + m.ones(3, dtype=m.int8)).dtype", "(m.ones(3, dtype=m.bool) + 1).dtype",
    "(m.ones(3, dtype=m.float16) + m.tensor(1.0)).dtype", "(m.tensor(1, dtype=m.int32) + 1.5).dtype",
    "m.sum(m.ones(2, dtype=m.int32)).dtype", "m.cumsum(m.ones(2, dtype=m.uint8), 0).dtype",
])
def test_promotion_matches_pytorch(expression):
    ours = eval(expression, {"m": needl, "np": np})
    theirs = eval(expression, {"m": torch, "np": np})
    assert str(ours) == str(theirs).replace("torch.", "")
