"""needl.fft: values against NumPy, gradients against finite differences (complex inputs and
outputs seen as pairs of reals through view_as_complex / view_as_real), dtypes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import needl
from needl.autograd import dtypes
import needl.fft as fft
from needl.autograd import gradcheck, gradgradcheck
from needl.fft import complex_ops

as_complex, as_real = complex_ops.view_as_complex, complex_ops.view_as_real


def real_leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def complex_leaf(*shape, seed=0):
    """A float64 leaf of shape + (2,), read as complex through view_as_complex."""
    return real_leaf(*shape, 2, seed=seed)


def strided_leaf(*shape):
    data = np.random.default_rng(5).standard_normal(tuple(reversed(shape))).T
    assert not data.flags.c_contiguous
    return needl.from_numpy(data).requires_grad_()


REAL_INPUT = [
    ("fft", lambda x: as_real(fft.fft(x))),
    ("fft_padded_ortho", lambda x: as_real(fft.fft(x, n=9, norm="ortho"))),
    ("fft_cut_dim0", lambda x: as_real(fft.fft(x, n=2, dim=0, norm="forward"))),
    ("fft2", lambda x: as_real(fft.fft2(x))),
    ("rfft", lambda x: as_real(fft.rfft(x))),
    ("rfft_odd", lambda x: as_real(fft.rfft(x, n=5, norm="ortho"))),
    ("rfft2", lambda x: as_real(fft.rfft2(x, norm="forward"))),
    ("rfftn_sizes", lambda x: as_real(fft.rfftn(x, s=(2, 7)))),
    ("ihfft", lambda x: as_real(fft.ihfft(x))),
    ("ihfft2", lambda x: as_real(fft.ihfft2(x))),
    ("irfft_of_real", lambda x: fft.irfft(x)),
    ("fftshift", lambda x: fft.fftshift(x)),
    ("ifftshift_dim", lambda x: fft.ifftshift(x, dim=1)),
]


@pytest.mark.parametrize("name,function", REAL_INPUT, ids=[r[0] for r in REAL_INPUT])
def test_real_input_gradients(name, function):
    x = real_leaf(3, 6)
    assert gradcheck(function, (x,))
    assert gradgradcheck(function, (x,))
    assert gradcheck(function, (strided_leaf(3, 6),))


COMPLEX_INPUT = [
    ("fft", lambda z: as_real(fft.fft(z))),
    ("ifft_cut", lambda z: as_real(fft.ifft(z, n=4, dim=0))),
    ("fftn_sizes", lambda z: as_real(fft.fftn(z, s=(4, 7)))),
    ("ifftn_ortho", lambda z: as_real(fft.ifftn(z, norm="ortho"))),
    ("ifft2", lambda z: as_real(fft.ifft2(z, norm="forward"))),
    ("irfft", lambda z: fft.irfft(z)),
    ("irfft_odd", lambda z: fft.irfft(z, n=7, norm="forward")),
    ("irfft_short", lambda z: fft.irfft(z, n=4)),
    ("irfft_long", lambda z: fft.irfft(z, n=13, norm="ortho")),
    ("irfft2", lambda z: fft.irfft2(z)),
    ("irfftn_sizes", lambda z: fft.irfftn(z, s=(2, 6))),
    ("hfft", lambda z: fft.hfft(z)),
    ("hfft_odd", lambda z: fft.hfft(z, n=9, norm="ortho")),
    ("hfft2", lambda z: fft.hfft2(z)),
    ("fftshift", lambda z: as_real(fft.fftshift(z, dim=(0, 1)))),
]


@pytest.mark.parametrize("name,function", COMPLEX_INPUT, ids=[c[0] for c in COMPLEX_INPUT])
def test_complex_input_gradients(name, function):
    x = complex_leaf(3, 5)
    composed = lambda x: function(as_complex(x))  # noqa: E731
    assert gradcheck(composed, (x,))
    assert gradgradcheck(composed, (x,))


COMPLEX_OPS = [
    ("real_times_imag", lambda z: complex_ops.real(z) * complex_ops.imag(z)),
    ("abs", complex_ops.abs),
    ("angle", complex_ops.angle),
    ("conj", lambda z: as_real(complex_ops.conj(z))),
    ("complex_of_parts", lambda z: as_real(complex_ops.complex(complex_ops.imag(z), complex_ops.real(z) * 2.0))),
    ("polar", lambda z: as_real(complex_ops.polar(complex_ops.abs(z), complex_ops.real(z)))),
]


@pytest.mark.parametrize("name,function", COMPLEX_OPS, ids=[c[0] for c in COMPLEX_OPS])
def test_complex_op_gradients(name, function):
    x = complex_leaf(2, 3)
    composed = lambda x: function(as_complex(x))  # noqa: E731
    assert gradcheck(composed, (x,))
    assert gradgradcheck(composed, (x,))


def test_complex_broadcasts_its_parts():
    real, imag = real_leaf(2, 3), real_leaf(3, seed=1)
    assert gradcheck(lambda a, b: as_real(complex_ops.complex(a, b)), (real, imag))


TRANSFORMS = [
    ("fft", {"n": 7}), ("ifft", {"norm": "ortho"}), ("rfft", {"n": 9, "norm": "forward"}),
    ("irfft", {"n": 8}), ("hfft", {}), ("ihfft", {}), ("fft2", {}), ("ifft2", {"s": (3, 4)}),
    ("rfft2", {}), ("irfft2", {}), ("fftn", {"s": (2, 3, 4), "dim": (0, 1, 2)}), ("ifftn", {"dim": (0, 2)}),
    ("rfftn", {}), ("irfftn", {"s": (4, 6), "dim": (1, 2)}),
]


@pytest.mark.parametrize("name,options", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_values_match_numpy(name, options):
    rng = np.random.default_rng(2)
    real = rng.standard_normal((3, 4, 6))
    data = real + 1j * rng.standard_normal((3, 4, 6)) if name.startswith(("i", "h")) and name != "ihfft" else real
    if name.startswith("irfft") or name == "hfft":
        data = real + 1j * rng.standard_normal((3, 4, 6))
    numpy_options = {"axes" if "dim" in key else key: value for key, value in options.items()}
    if name in ("hfft", "ihfft", "fft", "ifft", "rfft", "irfft"):
        numpy_options = {key.replace("axes", "axis"): value for key, value in numpy_options.items()}
    expected = getattr(np.fft, name)(data, **numpy_options)
    got = getattr(fft, name)(needl.tensor(data), **options)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)


def test_dtypes():
    x32 = needl.tensor(np.ones((4,), np.float32))
    assert fft.fft(x32).dtype == dtypes.complex64
    assert fft.rfft(x32).dtype == dtypes.complex64
    assert fft.irfft(fft.rfft(x32)).dtype == needl.float32
    assert fft.fft(needl.tensor([1, 2, 3])).dtype == dtypes.complex64  # integers: float32 first
    assert fft.fft(needl.tensor(np.ones(4))).dtype == dtypes.complex128
    assert fft.fftfreq(4).dtype == needl.get_default_dtype()
    np.testing.assert_allclose(fft.fftfreq(5, d=0.5).numpy(), np.fft.fftfreq(5, 0.5), rtol=1e-6)
    np.testing.assert_allclose(fft.rfftfreq(6).numpy(), np.fft.rfftfreq(6), rtol=1e-6)
    z = complex_ops.complex(x32, x32 * 2)
    assert z.dtype == dtypes.complex64 and complex_ops.abs(z).dtype == needl.float32
    assert complex_ops.angle(z).dtype == needl.float32 and complex_ops.view_as_real(z).shape == (4, 2)


def test_float32_gradients_stay_float32():
    x = needl.tensor(np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    loss = complex_ops.abs(fft.rfft(x)).sum() + fft.irfft(fft.fft(x)).sum()
    loss.backward()
    assert x.grad.dtype == needl.float32


def test_round_trips():
    x = needl.tensor(np.random.default_rng(1).standard_normal((3, 8)))
    np.testing.assert_allclose(fft.irfft(fft.rfft(x), n=8).numpy(), x.numpy(), atol=1e-12)
    np.testing.assert_allclose(complex_ops.real(fft.ifft(fft.fft(x))).numpy(), x.numpy(), atol=1e-12)
    np.testing.assert_allclose(fft.ifftshift(fft.fftshift(x)).numpy(), x.numpy())
    np.testing.assert_allclose(fft.hfft(fft.ihfft(x), n=8).numpy(), x.numpy(), atol=1e-12)


def test_errors():
    x = needl.tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match="normalization"):
        fft.fft(x, norm="unitary")
    with pytest.raises(RuntimeError, match="real input"):
        fft.rfft(fft.fft(x))
    with pytest.raises(IndexError, match="out of range"):
        fft.fft(x, dim=2)
    with pytest.raises(RuntimeError, match="Invalid number of data points"):
        fft.fft(x, n=0)
    with pytest.raises(RuntimeError, match="same length"):
        fft.fftn(x, s=(2, 2), dim=(0,))
    with pytest.raises(RuntimeError, match="non-complex"):
        complex_ops.imag(x)
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        complex_ops.view_as_complex(needl.tensor(np.ones((3, 3))))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 999))
def test_round_trips_on_random_shapes(shape, seed):
    data = np.random.default_rng(seed).standard_normal(shape)
    x = needl.tensor(data)
    np.testing.assert_allclose(complex_ops.real(fft.ifftn(fft.fftn(x))).numpy(), data, atol=1e-12)
    np.testing.assert_allclose(fft.irfftn(fft.rfftn(x), s=shape).numpy(), data, atol=1e-12)
    np.testing.assert_allclose(fft.fftn(x, norm="ortho").numpy(), np.fft.fftn(data, norm="ortho"), atol=1e-12)
    assert fft.rfft(x).shape == shape[:-1] + (shape[-1] // 2 + 1,)
