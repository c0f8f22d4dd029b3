"""Storages: the flat memory under tensors (Tensor.untyped_storage(), Tensor.storage()).

A needl tensor's memory is a NumPy array; its storage is the outermost array its views come from
(the one whose .base is not an array). Storages here are views of that memory, never copies, so
`a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()` says whether two tensors share
memory, as in PyTorch.
"""
import numpy as np

from .device import device as _device


def _root(array: np.ndarray) -> np.ndarray:
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class UntypedStorage:
    """The bytes of a tensor's memory (PyTorch's torch.UntypedStorage, on the CPU)."""

    def __init__(self, array: np.ndarray):
        root = _root(array)
        if not root.flags.c_contiguous:  # an as_strided root: its memory is not one run of bytes
            root = np.ascontiguousarray(root)
        self._bytes = root.reshape(-1).view(np.uint8)

    device = _device("cpu")
    dtype = np.dtype(np.uint8)

    def nbytes(self) -> int:
        return self._bytes.size

    def size(self) -> int:
        return self._bytes.size

    __len__ = size

    def element_size(self) -> int:
        return 1

    def data_ptr(self) -> int:
        return self._bytes.__array_interface__["data"][0]

    def __getitem__(self, index):
        return self._bytes[index].tolist()

    def tolist(self) -> list:
        return self._bytes.tolist()

    def is_shared(self) -> bool:
        """In a memory file that other processes can map (after Tensor.share_memory_())."""
        from .multiprocessing.shared_memory import is_shared
        return is_shared(self._bytes)

    def __repr__(self):
        return f"<needl.UntypedStorage of {self.nbytes()} bytes at {self.data_ptr():#x}>"


class TypedStorage(UntypedStorage):
    """The same memory seen as elements of the tensor's dtype (torch.TypedStorage)."""

    def __init__(self, array: np.ndarray):
        super().__init__(array)
        self.dtype = array.dtype
        usable = self._bytes.size - self._bytes.size % array.itemsize
        self._elements = self._bytes[:usable].view(array.dtype)

    def size(self) -> int:
        return self._elements.size

    __len__ = size

    def element_size(self) -> int:
        return self.dtype.itemsize

    def __getitem__(self, index):
        return self._elements[index].tolist()

    def tolist(self) -> list:
        return self._elements.tolist()

    def untyped(self) -> UntypedStorage:
        return UntypedStorage(self._elements)

    def __repr__(self):
        return f"<needl.TypedStorage of {self.size()} {self.dtype} at {self.data_ptr():#x}>"
