"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector and back."""
from typing import Iterable

import numpy as np

from ...autograd.ops import shape as shape_ops
from ...autograd.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor joining every parameter, flattened, in order (on the tape, like PyTorch's cat)."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: got no parameters")
    return shape_ops.cat(*[p.reshape(-1) for p in parameters], dim=0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D vec into the parameters (in place, their dtypes kept)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    needed = sum(p._data.size for p in parameters)
    data = np.asarray(vec._data).reshape(-1)
    if vec.ndim != 1 or data.size != needed:
        raise ValueError(f"vector_to_parameters: vec has shape {tuple(vec.shape)}, but the parameters hold "
                         f"{needed} values in total")
    offset = 0
    for p in parameters:
        count = p._data.size
        p._data[...] = data[offset:offset + count].reshape(p._data.shape)
        offset += count
