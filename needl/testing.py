"""needl.testing: `assert_close` with PyTorch's default tolerances per dtype."""
import numpy as np

# PyTorch's defaults (rtol, atol) by dtype
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}


def _array(value):
    from .autograd.tensor import Tensor
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless `actual` and `expected` agree in shape, dtype and values
    (|actual - expected| <= atol + rtol * |expected|); containers are compared item by item."""
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(msg or f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if actual.keys() != expected.keys():
            raise AssertionError(msg or f"The keys of the mappings differ: {sorted(actual)} != {sorted(expected)}")
        for key in actual:
            assert_close(actual[key], expected[key], rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_dtype=check_dtype, msg=msg)
        return
    a, e = _array(actual), _array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted")
    if rtol is None:
        rtol, atol = max(_TOLERANCES.get(a.dtype, (0.0, 0.0)), _TOLERANCES.get(e.dtype, (0.0, 0.0)))
    if a.dtype.kind in "biu" and e.dtype.kind in "biu" and rtol == 0 and atol == 0:
        bad = a != e
    else:
        a64, e64 = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64), e.astype(
            np.complex128 if e.dtype.kind == "c" else np.float64)
        bad = ~np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if np.any(bad):
        count = int(np.count_nonzero(bad))
        difference = np.abs(a.astype(np.float64) - e.astype(np.float64)) if a.dtype.kind != "c" else np.abs(a - e)
        worst = float(np.nanmax(np.where(bad, difference, 0)))
        raise AssertionError(msg or (
            f"Tensor-likes are not close!\n\nMismatched elements: {count} / {a.size} "
            f"({100.0 * count / max(a.size, 1):.1f}%)\nGreatest absolute difference: {worst} "
            f"(up to {atol} allowed)\nrtol={rtol}, atol={atol}"))


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan: bool = True, msg: str = "") -> None:
    """The deprecated form: dtypes need not match."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False,
                 msg=msg or None)
