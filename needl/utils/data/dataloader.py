"""DataLoader: batches of a dataset, in the main process or in worker processes, as PyTorch's.

Array-backed datasets (those with `get_batch(indices)`: TensorDataset, the needl.vision datasets
with batchable transforms, and their Subsets) are indexed once per batch when the default collate
is used: no Python work per sample. Other datasets are read one sample at a time (`dataset[i]`,
or `__getitems__` with the batch's indices) and collated. With `num_workers > 0`, worker processes
fetch and collate, and the batches come back through shared memory (see _multiprocessing_iter.py,
_worker.py and _shared_memory.py).
"""
import itertools
import multiprocessing
import multiprocessing.context
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

import numpy as np

from .collate import default_collate, default_convert
from .dataset import Dataset, GeneratorLike, IterableDataset, as_generator, batch_is_vectorized
from ._fetch import BaseDataLoaderIter, IterableFetcher, MapFetcher, as_index_batch
from ._multiprocessing_iter import MultiProcessingDataLoaderIter
from ._worker import get_worker_info
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

# set once a DataLoader is built: PyTorch forbids changing them then
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _SingleProcessDataLoaderIter(BaseDataLoaderIter):
    """Batches fetched in the main process, one per `next`."""

    def __init__(self, loader):
        super().__init__(loader)
        if self._iterable:
            self._fetcher = IterableFetcher(self._dataset, self._batch_size, self._collate_fn,
                                            self._drop_last)
        else:
            self._fetcher = MapFetcher(self._dataset, self._auto_collation, self._collate_fn)

    def _next_data(self) -> Any:
        return self._fetcher.fetch(self._next_index())


class DataLoader:
    """Iterate over `dataset` in batches, as PyTorch's DataLoader.

    `generator` (a needl.Generator, a numpy.random.Generator or an int seed) drives shuffling and
    the workers' seeds; by default the global generator that `needl.manual_seed` resets. A new
    order is drawn at every epoch (every `iter`). `sampler` / `batch_sampler` set the order as in
    PyTorch. `num_workers > 0` loads in that many worker processes (`multiprocessing_context`,
    default the platform's start method), `prefetch_factor` batches ahead each,
    `persistent_workers` kept between epochs, seeded per worker, with `worker_init_fn(worker_id)`
    and `get_worker_info()` inside them. Array-backed datasets with the default collate are
    indexed once per batch in the main process even then: that is faster than any worker.
    `pin_memory` is accepted and does nothing (needl runs on the CPU). Example:

        loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=0)
        for inputs, targets in loader: ...
    """

    def __init__(self, dataset: Dataset, batch_size: Optional[int] = 1,
                 shuffle: Optional[bool] = None, sampler: Optional[Iterable] = None,
                 batch_sampler: Optional[Iterable[Sequence]] = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[List[Any]], Any]] = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None,
                 multiprocessing_context=None, generator: GeneratorLike = None, *,
                 prefetch_factor: Optional[int] = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int)
                                            or prefetch_factor <= 0):
            raise ValueError(f"prefetch_factor option should be a positive integer, got "
                             f"{prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value or None, but got "
                             f"batch_size={batch_size!r}")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        # an int seed becomes one Generator shared by the sampler and the workers' seeds
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None:
            as_generator(generator)  # check the type now rather than at the first epoch
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterable = iterable
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator = None
        self._initialized = True

    def __setattr__(self, name: str, value) -> None:
        if name in _FROZEN and self.__dict__.get("_initialized"):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is "
                             f"initialized")
        super().__setattr__(name, value)

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start "
                                     f"method in {methods!r}, but got "
                                     f"multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object "
                                f"or a string specifying the start method, but got "
                                f"multiprocessing_context={context}")
        self._multiprocessing_context = context

    @property
    def _auto_collation(self) -> bool:
        return self.batch_size is not None if self._iterable else self.batch_sampler is not None

    @property
    def _batches_in_main(self) -> bool:
        """Whether batches are made in the main process even with workers: the dataset's
        get_batch does no per-sample work (TensorDataset's) and the default collate is used.
        Measured, an epoch of 157 batches of 64 with 2 workers: TensorDataset of 1x28x28 float32
        8 ms in the main process against 47 ms through workers; with a 1 ms step per batch,
        231 against 324 ms; batched ToTensor+Normalize on uint8 32x32x3 images 441 against
        625 ms (a gather is cheaper than a worker's round trip and copy into shared memory)."""
        return (not self._iterable and self._auto_collation and self.collate_fn is default_collate
                and batch_is_vectorized(self.dataset))

    def _index_iterator(self) -> Iterator:
        """One epoch of what fetchers take: int64 index batches, single indices (batch_size=None),
        or, for an IterableDataset, None forever."""
        if self._iterable:
            return itertools.repeat(None)
        if not self._auto_collation:
            return iter(self.sampler)
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.index_batches()
        return map(as_index_batch, self.batch_sampler)

    def _draw_base_seed(self) -> int:
        """The seed of this iterator's workers (worker i gets base + i), drawn as PyTorch does."""
        return int(as_generator(self.generator).integers(2 ** 63))

    def _length_or_none(self) -> Optional[int]:
        try:
            return len(self)
        except TypeError:
            return None

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0 or self._batches_in_main:
            return _SingleProcessDataLoaderIter(self)
        if not self.persistent_workers:
            return MultiProcessingDataLoaderIter(self)
        if self._iterator is None or self._iterator._shutdown:
            self._iterator = MultiProcessingDataLoaderIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)  # a TypeError when the stream has no length
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else \
                    -(-length // self.batch_size)
            return length
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)
