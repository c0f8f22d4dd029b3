"""Datasets: the map-style Dataset protocol, TensorDataset, Subset, and random_split.

Array-backed datasets also define `get_batch(indices)`, returning the whole collated batch for an
integer index array with one fancy index per array, so the DataLoader does no per-sample work.
A dataset whose `get_batch` never falls back to per-sample work says so with
`batch_is_vectorized()` returning True: with worker processes, the DataLoader then still makes
its batches in the main process (a gather there is faster than receiving from a worker), while
other datasets' batches are made by the workers.
"""
import math
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np

from ...autograd import random
from ...autograd.creation import as_tensor
from ...autograd.tensor import Tensor

GeneratorLike = Optional[Union["random.Generator", np.random.Generator, int]]


def as_generator(generator: GeneratorLike) -> np.random.Generator:
    """A NumPy Generator: the one given (a needl.Generator's, as it is now), a new one seeded
    with an int, or needl's global one (so `needl.manual_seed` makes shuffling reproducible)."""
    if generator is None or isinstance(generator, random.Generator):
        return random.generator(generator)
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be a needl.Generator, a numpy.random.Generator, an int seed "
                    f"or None, got {type(generator).__name__}")


class Dataset:
    """A map-style dataset: `dataset[index]` gives one sample and `len(dataset)` their number."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream of samples: the DataLoader iterates it and groups batches."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: "IterableDataset"):
        from .combined import ChainDataset
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of tensors of equal first dimension: `(features[i], labels[i])`.

    Example: `TensorDataset(needl.randn(100, 3), needl.randint(0, 2, (100,)))`.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(as_tensor(tensor) for tensor in tensors)
        sizes = [tensor.shape[0] if tensor.ndim else None for tensor in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tensor.shape) for tensor in self.tensors)
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs tensors with the "
                             f"same size in dimension 0, got shapes {shapes}")

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def get_batch(self, indices: np.ndarray) -> list:
        """The batch for an index array, one fancy index per tensor (a list, as default_collate
        makes of tuples)."""
        return [tensor[indices] if tensor.requires_grad else Tensor._make(tensor._data[indices])
                for tensor in self.tensors]

    def batch_is_vectorized(self) -> bool:
        return True

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices` (what random_split returns)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[int(self.indices[i])] for i in index]
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices: List[int]) -> list:
        """The samples at `indices` (the DataLoader asks for a batch's at once, as PyTorch's)."""
        keys = self.indices[indices].tolist()
        get_items = getattr(self.dataset, "__getitems__", None)
        if callable(get_items):
            return get_items(keys)
        return [self.dataset[key] for key in keys]

    def __len__(self) -> int:
        return len(self.indices)


def batch_getter(dataset: Dataset):
    """The function fetching a whole batch from an index array (`dataset.get_batch`, also through
    Subsets), or None when samples must be fetched one by one."""
    if isinstance(dataset, Subset):
        inner = batch_getter(dataset.dataset)
        if inner is None:
            return None
        return lambda indices: inner(dataset.indices[indices])
    return getattr(dataset, "get_batch", None)


def batch_is_vectorized(dataset: Dataset) -> bool:
    """Whether `dataset` (or the dataset under its Subsets) has a get_batch that does no
    per-sample work (it says so with `batch_is_vectorized()`)."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    says = getattr(dataset, "batch_is_vectorized", None)
    return batch_getter(dataset) is not None and callable(says) and bool(says())


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other."""

    def __init__(self, datasets: Sequence[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(dataset) for dataset in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} samples")
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset: Dataset, lengths: Sequence[Union[int, float]],
                 generator: GeneratorLike = None) -> List[Subset]:
    """Split into non-overlapping random Subsets of the given lengths (or fractions summing to 1).

    Example: `train, valid = random_split(data, [0.9, 0.1], generator=np.random.default_rng(0))`.
    """
    total = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0) \
            and sum(lengths) <= 1:
        if any(not 0 <= fraction <= 1 for fraction in lengths):
            raise ValueError(f"fractions must be between 0 and 1, got {lengths}")
        sizes = [int(math.floor(total * fraction)) for fraction in lengths]
        for i in range(total - sum(sizes)):  # the remainder goes round-robin, as in PyTorch
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths) or sum(lengths) != total:
        raise ValueError(f"Sum of input lengths ({lengths}, total {sum(lengths)}) does not equal "
                         f"the length of the input dataset ({total})")
    permutation = as_generator(generator).permutation(total)
    bounds = np.cumsum([0] + [int(x) for x in lengths])
    return [Subset(dataset, permutation[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]
