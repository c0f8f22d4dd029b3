"""Datasets made of other datasets: ChainDataset (iterable datasets one after the other) and
StackDataset (the samples of equal-length datasets side by side, as a tuple or a dict)."""
from typing import Iterable

from .dataset import Dataset, IterableDataset


class ChainDataset(IterableDataset):
    """The streams of several iterable datasets, one after the other (chained lazily)."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got {type(dataset).__name__}")
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


class StackDataset(Dataset):
    """Sample i is (a[i], b[i], ...) for StackDataset(a, b, ...) or {'x': x[i], ...} for
    StackDataset(x=x, ...); all datasets must have the same length."""

    def __init__(self, *args: Dataset, **kwargs: Dataset):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        datasets = args or kwargs
        lengths = {len(dataset) for dataset in (args or kwargs.values())}
        if len(lengths) > 1:
            raise ValueError(f"Size mismatch between datasets: lengths {sorted(lengths)}")
        if not lengths:
            raise ValueError("At least one dataset should be passed")
        self.datasets = datasets
        self._length = lengths.pop()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices: list) -> list:
        """A batch of samples (the DataLoader's fetcher calls this when a dataset has it)."""
        return [self[index] for index in indices]
