"""needl.fft against PyTorch (skipped without it): the same values and exactly the same
gradients, for real and complex inputs, every normalisation and signal size."""
import numpy as np
import pytest

import needl
from needl.autograd import dtypes
import needl.fft as fft
from needl.fft import complex_ops

torch = pytest.importorskip("torch")

CASES = [
    ("fft", {}, False), ("fft", {"n": 9, "norm": "ortho"}, False), ("fft", {"n": 3, "dim": 0}, True),
    ("ifft", {"norm": "forward"}, True), ("rfft", {}, False), ("rfft", {"n": 7, "norm": "ortho"}, False),
    ("irfft", {}, True), ("irfft", {"n": 9}, True), ("irfft", {"n": 4, "norm": "forward"}, True),
    ("irfft", {"n": 10, "norm": "ortho"}, True), ("hfft", {}, True), ("hfft", {"n": 7}, True),
    ("ihfft", {}, False), ("fft2", {"norm": "ortho"}, True), ("ifft2", {"s": (2, 9)}, True),
    ("rfft2", {}, False), ("irfft2", {"s": (5, 6)}, True), ("fftn", {"dim": (0, 2)}, False),
    ("ifftn", {"s": (3, 3, 3)}, True), ("rfftn", {"s": (4, 5), "norm": "forward"}, False),
    ("irfftn", {"dim": (0, 1)}, True), ("hfftn", {}, True), ("ihfftn", {"dim": (1, 2)}, False),
    ("hfft2", {"norm": "ortho"}, True), ("ihfft2", {}, False),
]


def real_loss(module, z, weights):
    """A real loss of a real or complex result that touches real and imaginary parts differently."""
    if z.dtype in (torch.complex64, torch.complex128, dtypes.complex64, dtypes.complex128):
        parts = module.view_as_real(z.resolve_conj() if hasattr(z, "resolve_conj") else z)
        return (parts * weights).sum()
    return (z * weights[..., 0]).sum()


@pytest.mark.parametrize("name,options,complex_input", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_and_gradients_match_pytorch(name, options, complex_input, dtype):
    rng = np.random.default_rng(0)
    shape = (3, 4, 6)
    data = rng.standard_normal(shape + ((2,) if complex_input else ())).astype(dtype)
    ours = needl.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    ours_in = complex_ops.view_as_complex(ours) if complex_input else ours
    theirs_in = torch.view_as_complex(theirs) if complex_input else theirs
    out = getattr(fft, name)(ours_in, **options)
    expected = getattr(torch.fft, name)(theirs_in, **options)
    assert out.shape == tuple(expected.shape)
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    rtol = 1e-10 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().resolve_conj().numpy(), rtol=rtol, atol=rtol)
    weights = rng.standard_normal(tuple(expected.shape) + (2,)).astype(dtype)
    real_loss(complex_ops, out, needl.tensor(weights)).backward()
    real_loss(torch, expected, torch.tensor(weights)).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=rtol)


def test_complex_ops_match_pytorch():
    data = np.random.default_rng(1).standard_normal((4, 5, 2))
    ours = needl.tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    z, tz = complex_ops.view_as_complex(ours), torch.view_as_complex(theirs)
    loss = (complex_ops.abs(z) * 2 + complex_ops.angle(z) * 3 + complex_ops.real(z) * complex_ops.imag(z)).sum() \
        + complex_ops.view_as_real(complex_ops.conj(z)).sum() * 0.5
    expected = (tz.abs() * 2 + tz.angle() * 3 + tz.real * tz.imag).sum() + torch.view_as_real(tz.conj().resolve_conj()).sum() * 0.5
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_shifts_and_frequencies_match_pytorch():
    data = np.arange(24.0).reshape(4, 6)
    for dim in (None, 0, (0, 1), -1):
        np.testing.assert_array_equal(fft.fftshift(needl.tensor(data), dim=dim).numpy(),
                                      torch.fft.fftshift(torch.tensor(data), dim=dim).numpy())
        np.testing.assert_array_equal(fft.ifftshift(needl.tensor(data), dim=dim).numpy(),
                                      torch.fft.ifftshift(torch.tensor(data), dim=dim).numpy())
    np.testing.assert_allclose(fft.fftfreq(7, 0.1).numpy(), torch.fft.fftfreq(7, 0.1).numpy())
    np.testing.assert_allclose(fft.rfftfreq(8, 2.0).numpy(), torch.fft.rfftfreq(8, 2.0).numpy())
