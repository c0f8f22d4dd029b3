"""The `device=` and `dtype=` keywords of layer constructors (PyTorch's factory_kwargs)."""
import numpy as np

from ..device import check_device
from ..autograd import dtypes


def factory_dtype(device=None, dtype=None) -> np.dtype:
    """The dtype a layer's parameters get, after checking that `device` is the CPU.

    `device` is whatever PyTorch accepts ('cpu', 'cpu:0', needl.device('cpu'), None); an
    accelerator raises needl's error. `dtype` None is the default dtype.
    """
    check_device(device)
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
