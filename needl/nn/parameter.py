"""Parameter: a Tensor that a Module registers as one of its learnable weights."""
import numpy as np

from ..autograd import dtypes
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
