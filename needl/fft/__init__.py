"""needl.fft: PyTorch's torch.fft (fft ifft rfft irfft hfft ihfft, their 2-D and n-D forms,
fftfreq rfftfreq fftshift ifftshift), differentiable with PyTorch's complex-gradient convention.
complex_ops holds real, imag, view_as_real, view_as_complex, complex, conj, angle, polar."""
from . import complex_ops  # noqa: F401  (real imag view_as_real ..., wired at the top level)
from .transforms import (fft, fft2, fftfreq, fftn, fftshift, hfft, hfft2, hfftn, ifft, ifft2, ifftn,
                         ifftshift, ihfft, ihfft2, ihfftn, irfft, irfft2, irfftn, rfft, rfft2, rfftfreq,
                         rfftn)

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
           "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq",
           "fftshift", "ifftshift"]
