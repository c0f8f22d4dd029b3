"""Parameter: a Tensor that a Module registers as one of its learnable weights."""
import sys

import numpy as np

from ..autograd import dtypes
from ..device import check_device
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default; assigning it to a Module attribute registers it.

    Parameter(data) shares data's array when it is a Tensor or a NumPy array of a needl dtype.
    """
    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty(0, dtype=dtypes.get_default_dtype())
        if isinstance(data, Tensor):
            data = data._data
        super().__init__(data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        # copy.deepcopy(model): a new Parameter over a copy of the array
        return (Parameter, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        result = Parameter(self._data.copy(), self.requires_grad)
        memo[id(self)] = result
        return result



class Buffer(Tensor):
    """Marker for `module.name = Buffer(tensor, persistent=True)`: registers a buffer, as torch.nn.Buffer does.

    The module stores a plain Tensor over the same array; `persistent=False` keeps it out of state_dict.
    """
    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent: bool = True):
        if data is None:
            data = np.empty(0, dtype=dtypes.get_default_dtype())
        if isinstance(data, Tensor):
            data = data._data
        super().__init__(data)
        self.persistent = persistent


class _Uninitialized:
    """What UninitializedParameter and UninitializedBuffer share: no shape until materialize()."""
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor uninitialised memory of `shape` and become a regular Parameter / Tensor,
        in place (references held elsewhere, e.g. by an optimizer, stay valid)."""
        check_device(device)
        shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
        self._data = np.empty(shape, dtype=self._data.dtype if dtype is None else dtypes.as_dtype(dtype))
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens when a lazy module's parameters are used before its first forward call: run a "
                           "batch through the model first (a dry run), then use them.")

    def size(self, dim=None):
        return self.shape

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad, None, self._data.dtype))

    def __deepcopy__(self, memo):
        result = type(self)(self.requires_grad, None, self._data.dtype)
        memo[id(self)] = result
        return result


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape a lazy module infers on its first forward (then it is a Parameter)."""
    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        check_device(device)
        super().__init__(np.empty(0, dtype=dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)),
                         requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape a lazy module infers on its first forward (then it is a Tensor)."""
    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        check_device(device)
        super().__init__(np.empty(0, dtype=dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)))
        self.requires_grad_(requires_grad)


if "needl.multiprocessing" in sys.modules:  # imported before needl.nn: let Parameters be shared too
    from ..multiprocessing.reductions import init_reductions
    init_reductions()
