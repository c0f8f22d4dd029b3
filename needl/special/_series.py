"""Chebyshev series fitted at import to a trusted reference, power series, and their evaluation.

The special functions need polynomial approximations on fixed intervals. Instead of tables of
magic numbers, each series is interpolated once, at import, from a reference that is exact to
float64 (the C library's `math.erf` and `math.lgamma`, or a convergent series), and then cut
to the terms each floating dtype needs: float32 evaluates about half as many as float64.
"""
import math

import numpy as np

_FLOAT32_PRECISION = 2.0 ** -26


class Chebyshev:
    """f(t) ~ sum_k c_k T_k(t) for t in [-1, 1], interpolated at `terms` Chebyshev points."""

    def __init__(self, reference, terms: int):
        angles = np.pi * (np.arange(terms) + 0.5) / terms
        values = np.asarray(reference(np.cos(angles)), dtype=np.float64)
        # c_j = 2/N sum_k f(cos a_k) cos(j a_k), each sum exactly rounded (math.fsum): the terms
        # cancel down to ~1e-17, and a plain sum would leave its own rounding noise of ~1e-15
        # cos(j a_k) = cos(pi m / 2N) with m = j (2k + 1) reduced exactly modulo 4N
        multiples = np.outer(np.arange(terms), 2 * np.arange(terms) + 1) % (4 * terms)
        cosines = np.cos(np.pi * multiples / (2 * terms))
        coefficients = np.array([math.fsum(row * values) for row in cosines]) * (2.0 / terms)
        coefficients[0] *= 0.5
        significant = np.nonzero(np.abs(coefficients) > _FLOAT32_PRECISION * np.abs(coefficients).max())[0]
        self.terms = {np.dtype(np.float64): coefficients.tolist(),
                      np.dtype(np.float32): coefficients[:significant[-1] + 1].tolist()}

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Clenshaw's recurrence, in t's dtype (float32 or float64)."""
        terms = self.terms[t.dtype]
        if len(terms) == 1:
            return np.full_like(t, terms[0])
        twice = t + t
        current = np.full_like(t, terms[-1])
        previous = np.zeros_like(t)
        for c in terms[-2:0:-1]:
            following = twice * current
            following -= previous
            following += c
            previous, current = current, following
        current *= t
        current -= previous
        current += terms[0]
        return current



class PowerSeries:
    """sum_k c_k x^k for |x| <= radius, by Horner's rule, with the terms each dtype needs."""

    def __init__(self, coefficients, radius: float):
        sizes = [abs(c) * radius ** k for k, c in enumerate(coefficients)]
        significant = [k for k, size in enumerate(sizes) if size > _FLOAT32_PRECISION * max(sizes)]
        self.terms = {np.dtype(np.float64): [float(c) for c in coefficients],
                      np.dtype(np.float32): [float(c) for c in coefficients[:significant[-1] + 1]]}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        terms = self.terms[x.dtype]
        total = np.full_like(x, terms[-1])
        for c in terms[-2::-1]:
            total *= x
            total += c
        return total
