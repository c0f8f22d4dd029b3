"""Fetchers: one batch from a dataset, given its indices (map-style) or its size (iterable).

The same fetcher runs in the main process (num_workers=0) and in each worker process.
"""
import itertools
from typing import Any, Callable, Optional

import numpy as np

from .collate import default_collate, default_convert
from .dataset import batch_getter


def as_index_batch(batch) -> Any:
    """A batch of indices from a batch sampler as an int64 array (a list if they are not ints)."""
    if isinstance(batch, np.ndarray) and batch.dtype == np.int64:
        return batch
    try:
        return np.asarray(batch, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError):
        return list(batch)


class MapFetcher:
    """Samples of a map-style dataset collated into a batch. Array-backed datasets (with
    `get_batch`) give the whole collated batch at once when the default collate is used; a
    dataset with PyTorch's `__getitems__` gets the list of indices at once."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Optional[Callable]):
        self.dataset = dataset
        self.auto_collation = auto_collation
        default = default_collate if auto_collation else default_convert
        self.collate = collate_fn or default
        self.get_batch = batch_getter(dataset) if auto_collation and collate_fn in (
            None, default_collate) else None
        self.get_items = getattr(dataset, "__getitems__", None)

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate(self.dataset[index])
        if self.get_batch is not None and isinstance(index, np.ndarray):
            return self.get_batch(index)
        keys = index.tolist() if isinstance(index, np.ndarray) else index
        if self.get_items is not None:
            return self.collate(self.get_items(keys))
        dataset = self.dataset
        return self.collate([dataset[key] for key in keys])


class IterableFetcher:
    """The next batch_size samples of an IterableDataset's stream, collated (or the next sample,
    converted, when batch_size is None); StopIteration when the stream has ended."""

    def __init__(self, dataset, batch_size: Optional[int], collate_fn: Optional[Callable],
                 drop_last: bool):
        self.iterator = iter(dataset)
        self.batch_size = batch_size
        self.collate = collate_fn or (default_convert if batch_size is None else default_collate)
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index=None):
        if self.ended:
            raise StopIteration
        if self.batch_size is None:
            try:
                return self.collate(next(self.iterator))
            except StopIteration:
                self.ended = True
                raise
        samples = list(itertools.islice(self.iterator, self.batch_size))
        if len(samples) < self.batch_size:
            self.ended = True
            if not samples or self.drop_last:
                raise StopIteration
        return self.collate(samples)


class BaseDataLoaderIter:
    """What every DataLoader iterator keeps of its loader: the dataset and how to fetch from it,
    this epoch's index iterator, the workers' base seed (drawn from the loader's generator, as
    PyTorch draws it, for every new iterator) and the length."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._batch_size = loader.batch_size
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._base_seed = loader._draw_base_seed()
        self._start_epoch(loader)

    def _start_epoch(self, loader) -> None:
        self._index_iterator = loader._index_iterator()
        self._length = loader._length_or_none()

    def _next_index(self):
        return next(self._index_iterator)

    def _next_data(self):
        raise NotImplementedError

    def __iter__(self):
        return self

    def __next__(self):
        return self._next_data()

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError(f"{type(self._dataset).__name__} has no length")
        return self._length
