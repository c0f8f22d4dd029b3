"""Property tests (hypothesis, seeded, bounded) for round-3 ops: random shapes including size 0
and 0-d, against NumPy, with dtypes kept."""
import numpy as np
import pytest

import needl

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
floats = st.floats(-10, 10, width=32) | st.just(float("nan"))


@SETTINGS
@given(data=st.data())
def test_fmax_fmin_ldexp_match_numpy(data):
    shape = data.draw(shapes)
    a = data.draw(hnp.arrays(np.float32, shape, elements=floats))
    b = data.draw(hnp.arrays(np.float32, hnp.broadcastable_shapes(shape, min_side=0), elements=floats))
    exponents = data.draw(hnp.arrays(np.int32, shape, elements=st.integers(-4, 4)))
    for mine, expected in ((needl.fmax(needl.tensor(a), needl.tensor(b)), np.fmax(a, b)),
                           (needl.fmin(needl.tensor(a), needl.tensor(b)), np.fmin(a, b)),
                           (needl.ldexp(needl.tensor(a), needl.tensor(exponents)), np.ldexp(a, exponents))):
        assert mine.dtype == needl.float32 and mine.shape == expected.shape
        np.testing.assert_array_equal(mine.numpy(), expected)


@SETTINGS
@given(data=st.data())
def test_bitwise_and_shifts_match_numpy(data):
    shape = data.draw(shapes)
    a = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-1000, 1000)))
    b = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 8)))
    for name, ufunc in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                        ("bitwise_xor", np.bitwise_xor), ("bitwise_left_shift", np.left_shift),
                        ("bitwise_right_shift", np.right_shift), ("gcd", np.gcd), ("lcm", np.lcm)):
        mine = getattr(needl, name)(needl.tensor(a), needl.tensor(b))
        assert mine.dtype == needl.int64
        np.testing.assert_array_equal(mine.numpy(), ufunc(a, b))


@SETTINGS
@given(data=st.data())
def test_scatters_put_back_what_the_view_reads(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=0, max_side=4))
    base = needl.tensor(data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5))))
    offset = data.draw(st.integers(-2, 2))
    diagonal = base.diagonal(offset) * 2
    np.testing.assert_array_equal(base.diagonal_scatter(diagonal, offset).diagonal(offset).numpy(), diagonal.numpy())
    start = data.draw(st.integers(0, shape[1]))
    piece = base[:, start:] + 1
    np.testing.assert_array_equal(base.slice_scatter(piece, 1, start).numpy()[:, start:], piece.numpy())


@SETTINGS
@given(data=st.data())
def test_cov_matches_numpy(data):
    variables, observations = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 6))
    sample = data.draw(hnp.arrays(np.float64, (variables, observations), elements=st.floats(-5, 5)))
    correction = data.draw(st.integers(0, 1))
    expected = np.cov(sample, ddof=correction)
    np.testing.assert_allclose(needl.cov(needl.tensor(sample), correction=correction).numpy(), expected,
                               rtol=1e-10, atol=1e-10)
