"""The matrices of the geometric warps: affine (rotation, translation, scale, shear about a
centre) and perspective (four corners to four corners), with torchvision's conventions, so
that the PIL path (Image.transform) and the array path (resample.warp_*) agree."""
import math
from typing import List, Sequence

import numpy as np


def inverse_affine_matrix(center: Sequence[float], angle: float, translate: Sequence[float],
                          scale: float, shear: Sequence[float]) -> List[float]:
    """The 2x3 map from output to input points (6 values) of the affine transform
    T * C * R * S * Sh * C^-1 (translate, centre, rotate by `angle` degrees, scale, shear by
    `shear` = (x, y) degrees), as torchvision's _get_inverse_affine_matrix."""
    rotation = math.radians(angle)
    shear_x, shear_y = math.radians(shear[0]), math.radians(shear[1])
    center_x, center_y = center
    translate_x, translate_y = translate
    # rotation and shear, without the scale: [[a, b], [c, d]]
    a = math.cos(rotation - shear_y) / math.cos(shear_y)
    b = -math.cos(rotation - shear_y) * math.tan(shear_x) / math.cos(shear_y) - math.sin(rotation)
    c = math.sin(rotation - shear_y) / math.cos(shear_y)
    d = -math.sin(rotation - shear_y) * math.tan(shear_x) / math.cos(shear_y) + math.cos(rotation)
    matrix = [value / scale for value in (d, -b, 0.0, -c, a, 0.0)]  # its inverse (det 1)
    shift_x, shift_y = -center_x - translate_x, -center_y - translate_y
    matrix[2] += matrix[0] * shift_x + matrix[1] * shift_y + center_x
    matrix[5] += matrix[3] * shift_x + matrix[4] * shift_y + center_y
    return matrix


def perspective_coefficients(startpoints: Sequence[Sequence[float]],
                             endpoints: Sequence[Sequence[float]]) -> List[float]:
    """The 8 coefficients (a..h) with input = ((a x + b y + c), (d x + e y + f)) / (g x + h y + 1)
    for each output point (x, y): the least-squares solution through the four point pairs
    (endpoints -> startpoints), rounded to float32 as torchvision's."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} "
                         f"startpoints and {len(endpoints)} endpoints.")
    end = np.asarray(endpoints, dtype=np.float64)
    start = np.asarray(startpoints, dtype=np.float64)
    ones, zeros = np.ones(4), np.zeros(4)
    x, y = end[:, 0], end[:, 1]
    rows_x = np.stack([x, y, ones, zeros, zeros, zeros, -start[:, 0] * x, -start[:, 0] * y], 1)
    rows_y = np.stack([zeros, zeros, zeros, x, y, ones, -start[:, 1] * x, -start[:, 1] * y], 1)
    system = np.stack([rows_x, rows_y], axis=1).reshape(8, 8)
    solution = np.linalg.lstsq(system, start.reshape(8), rcond=None)[0]
    return solution.astype(np.float32).tolist()
