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

    device = _device("cpu")

    def __init__(self, array: np.ndarray):
        root = _root(array)
        if not root.flags.c_contiguous:  # an as_strided root: its memory is not one run of bytes
            root = np.ascontiguousarray(root)
        self._bytes = root.reshape(-1).view(np.uint8)
        self._elements = self._bytes  # what size(), [] and tolist() count: bytes here

    @property
    def dtype(self) -> np.dtype:
        return self._elements.dtype

    def nbytes(self) -> int:
        return self._bytes.size

    def size(self) -> int:
        return self._elements.size

    def __len__(self) -> int:
        return self.size()

    def element_size(self) -> int:
        return self._elements.itemsize

    def data_ptr(self) -> int:
        return self._bytes.__array_interface__["data"][0]

    def __getitem__(self, index):
        return self._elements[index].tolist()

    def tolist(self) -> list:
        return self._elements.tolist()

    def is_shared(self) -> bool:
        """In a memory file that other processes can map (after Tensor.share_memory_())."""
        from .multiprocessing.shared_memory import is_shared
        return is_shared(self._bytes)

    def __repr__(self):
        return f"<needl.{type(self).__name__} of {self.size()} {self.dtype} at {self.data_ptr():#x}>"


class TypedStorage(UntypedStorage):
    """The same memory seen as elements of the tensor's dtype (torch.TypedStorage)."""

    def __init__(self, array: np.ndarray):
        super().__init__(array)
        usable = self._bytes.size - self._bytes.size % array.itemsize
        self._elements = self._bytes[:usable].view(array.dtype)

    def untyped(self) -> UntypedStorage:
        return UntypedStorage(self._elements)
