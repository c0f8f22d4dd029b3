"""The window functions of torch (hann, hamming, blackman, bartlett, kaiser): 1-D tensors of
window_length samples, periodic (for spectral analysis, the default) or symmetric."""
import numpy as np

from . import dtypes
from .creation import _finish


def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad, samples):
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    target = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype, name)
    if target.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {target}")
    if window_length <= 1:
        return _finish(np.ones(window_length, dtype=target), requires_grad, device)
    length = window_length + 1 if periodic else window_length
    # the phase 2 pi n / (N - 1) of each sample, in float64 then cast once
    phase = 2 * np.pi * np.arange(length) / (length - 1)
    return _finish(samples(phase, length)[:window_length].astype(target), requires_grad, device)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False):
    """0.5 - 0.5 cos(2 pi n / (N - 1))."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda phase, length: 0.5 - 0.5 * np.cos(phase))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False):
    """alpha - beta cos(2 pi n / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda phase, length: alpha - beta * np.cos(phase))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda phase, length: 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """The triangle 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda phase, length: 1 - np.abs(phase / np.pi - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False):
    """I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda phase, length: np.i0(beta * np.sqrt(np.clip(1 - (phase / np.pi - 1) ** 2, 0, None)))
                   / np.i0(beta))


__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
