"""Tensors sent through multiprocessing without a copy, as torch.multiprocessing sends them.

The reducers are registered with multiprocessing's ForkingPickler, which Queue, SimpleQueue,
Pipe, Pool and the spawn and forkserver start methods pickle with (plain pickle is unaffected: it
copies). A Tensor or Parameter is moved to shared memory first (share_memory_: the sender's tensor
then lives there too), then pickled as its memory file's descriptor (multiprocessing's DupFd:
handed to a spawned child as it starts, or fetched from the sender's resource sharer by whoever
reads a Queue, so the sender must still be alive then) plus shape, dtype, strides, offset and
requires_grad. The receiver maps the file, once per process, and views it: both processes see
each other's writes. `.grad`, hooks and the graph are not sent, as in PyTorch.
"""
import sys
from multiprocessing import reduction
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ..autograd.tensor import Tensor
from .shared_memory import Segment, offset_in, open_segment, segment_of, share_tensors

_registered = []  # the classes given a reducer so far


def rebuild_segment(descriptor, size: int) -> Segment:
    return open_segment(descriptor.detach(), size)


def reduce_segment(segment: Segment):
    # the pickle memo sends each segment once per message, however many tensors view it (spawn
    # refuses a descriptor listed twice)
    if not hasattr(reduction, "DupFd"):
        raise RuntimeError(f"sending a shared tensor to another process passes its memory file's "
                           f"descriptor, which {sys.platform} cannot do; send a copy "
                           f"(tensor.numpy().copy()) instead")
    return rebuild_segment, (reduction.DupFd(segment.descriptor), len(segment))


def rebuild_tensor(cls, segment: Segment, shape: tuple, dtype: np.dtype, strides: tuple,
                   offset: int, requires_grad: bool) -> Tensor:
    array = np.ndarray(shape, dtype, buffer=segment, offset=offset, strides=strides)
    if cls is Tensor:
        tensor = Tensor._make(array)
        return tensor.requires_grad_() if requires_grad else tensor
    return cls(array, requires_grad)


def reduce_tensor(tensor: Tensor):
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                           "since autograd does not support crossing process boundaries. If you "
                           "just want to transfer the data, call detach() on the tensor before "
                           "serializing (e.g., putting it on the queue).")
    share_tensors((tensor,))
    array = tensor._data
    segment = segment_of(array)
    return rebuild_tensor, (type(tensor), segment, array.shape, array.dtype, array.strides,
                            offset_in(segment, array), tensor.requires_grad)


def init_reductions() -> None:
    """Register the reducers (again is free): Tensor at once, Parameter once needl.nn is loaded
    (importing it here would make every user of needl.multiprocessing pay for needl.nn)."""
    if len(_registered) == 3:
        return
    if not _registered:
        ForkingPickler.register(Segment, reduce_segment)
        ForkingPickler.register(Tensor, reduce_tensor)
        _registered.extend((Segment, Tensor))
    parameter = getattr(sys.modules.get("needl.nn.parameter"), "Parameter", None)
    if len(_registered) == 2 and parameter is not None:
        ForkingPickler.register(parameter, reduce_tensor)
        _registered.append(parameter)
