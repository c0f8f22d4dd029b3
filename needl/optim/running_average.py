"""In-place running averages shared by the adaptive optimizers (Adam's moments, RMSprop's and
Adadelta's averages of squares), with PyTorch's order of operations so results match it."""
from typing import Optional

import numpy as np


def lerp_(average: np.ndarray, value: np.ndarray, weight: float,
          out: Optional[np.ndarray] = None) -> np.ndarray:
    """average += weight * (value - average) in place, as torch's lerp_ computes it (from the
    value's side, value - (1 - weight) * (value - average), when weight >= 0.5); `out` is a
    scratch array (allocated when None), returned."""
    out = np.subtract(value, average, out=out)
    if weight < 0.5:
        out *= weight
        average += out
    else:
        out *= 1 - weight
        np.subtract(value, out, out=average)
    return out


def square_average_(average: np.ndarray, value: np.ndarray, decay: float,
                    out: Optional[np.ndarray] = None) -> np.ndarray:
    """average = decay * average + (1 - decay) * value**2 in place; returns the scratch array
    `out` (allocated when None)."""
    out = np.multiply(value, value, out=out)
    out *= 1 - decay
    average *= decay
    average += out
    return out
