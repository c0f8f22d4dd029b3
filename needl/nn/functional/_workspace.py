"""Scratch arrays kept between calls, for ops that fill several large buffers on every call.

A fresh multi-megabyte NumPy array is fresh memory: glibc gives large freed blocks back to the
kernel, and the next call takes a page fault for every 4 KB page it writes. In the LSTM benchmark
step (LSTM(28, 128), 28 steps, batch 64) that was ~2,400 faults and ~6 ms of system time on a
~14 ms step. A Workspace keeps the arrays it handed out and hands one out again once nothing
else refers to it, so a training loop writes the same memory every step.
"""
import sys
import threading

import numpy as np


class Workspace:
    """np.empty that reuses arrays of earlier calls once they are free.

    An array is free when the workspace's own list holds its only reference (CPython's reference
    count says so): a tape node that saved it, a Tensor or any NumPy view of it (a view refers to
    its base) keeps it taken. The workspace keeps at most `capacity` bytes, dropping the least
    recently handed out arrays first (a dropped array still in use simply stays with its users).
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._arrays = []  # least recently handed out first
        self._lock = threading.Lock()  # so that two threads never get the same free array

    def empty(self, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised C-contiguous array of `shape` and `dtype`, as np.empty."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        arrays = self._arrays
        with self._lock:
            for index in range(len(arrays)):
                # two references: the list's and getrefcount's argument
                if arrays[index].shape == shape and arrays[index].dtype == dtype and sys.getrefcount(arrays[index]) == 2:
                    array = arrays.pop(index)
                    arrays.append(array)
                    return array
            array = np.empty(shape, dtype)
            if array.nbytes <= self.capacity:
                arrays.append(array)
                total = sum(a.nbytes for a in arrays)
                while total > self.capacity:
                    total -= arrays.pop(0).nbytes
            return array

    def clear(self) -> None:
        """Forget every kept array (the free ones go back to the allocator)."""
        with self._lock:
            self._arrays.clear()
