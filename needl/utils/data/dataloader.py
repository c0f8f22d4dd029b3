"""DataLoader: batches of a dataset, shuffled with a seedable generator; default_collate.

When the dataset is array-backed (it has `get_batch(indices)`, as TensorDataset, MNIST and their
Subsets do) and no collate_fn is given, each batch is one fancy index per array: no Python work
per sample. Otherwise each sample is fetched with `dataset[i]` and the list is collated.
"""
import collections.abc
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

import numpy as np

from ...autograd import dtypes
from ...autograd.tensor import Tensor
from .dataset import Dataset, GeneratorLike, IterableDataset, as_generator, batch_getter
from .sampler import BatchSampler, RandomSampler, SequentialSampler, index_array


def default_collate(batch: List[Any]) -> Any:
    """Stack a list of samples into a batch: arrays and Tensors into one Tensor (dtype kept),
    Python floats into the default float dtype, ints into int64; tuples, lists and dicts are
    collated field by field; strings stay a list."""
    if len(batch) == 0:
        raise ValueError("default_collate got an empty batch")
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([sample._data for sample in batch]))
    if isinstance(first, (np.ndarray, np.generic)):
        if np.asarray(first).dtype.hasobject:
            raise TypeError("default_collate cannot batch object arrays")
        return Tensor._make(np.stack(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=dtypes.get_default_dtype()))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, collections.abc.Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes "
                               f"{sorted({len(sample) for sample in batch})}")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(first, tuple):
            return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
        return fields
    raise TypeError(f"default_collate: batch must contain Tensors, NumPy arrays, numbers, dicts "
                    f"or lists; found {type(first).__name__}")


class DataLoader:
    """Iterate over `dataset` in batches, as PyTorch's DataLoader.

    `generator` (a numpy.random.Generator or an int seed) drives shuffling; by default the global
    generator that `needl.manual_seed` resets. A new permutation is drawn at every epoch (every
    `iter`). `sampler` / `batch_sampler` set the order as in PyTorch. `num_workers`,
    `pin_memory` and the other worker options are accepted for compatibility: loading runs in the
    main process. Example:

        loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=0)
        for inputs, targets in loader: ...
    """

    def __init__(self, dataset: Dataset, batch_size: Optional[int] = 1, shuffle: bool = False,
                 sampler: Optional[Iterable[int]] = None,
                 batch_sampler: Optional[Iterable[Sequence[int]]] = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[List[Any]], Any]] = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator: GeneratorLike = None, *,
                 prefetch_factor: Optional[int] = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value or None, but got "
                             f"batch_size={batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("an IterableDataset cannot be shuffled or sampled by the DataLoader")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative")
        if generator is not None:
            as_generator(generator)  # check the type now rather than at the first epoch
        if batch_sampler is not None:
            batch_size, drop_last = None, False
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
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator

    def _index_batches(self) -> Iterator[np.ndarray]:
        """One epoch's batches of indices, each an int64 array."""
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.index_batches()
        return (np.asarray(batch, dtype=np.int64).reshape(-1) for batch in self.batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterate_stream()
            return
        if self.batch_sampler is None:  # batch_size=None: single samples, converted only
            for index in index_array(self.sampler):
                sample = self.dataset[int(index)]
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            return
        collate = self.collate_fn or default_collate
        get_batch = batch_getter(self.dataset) if self.collate_fn is None else None
        for indices in self._index_batches():
            if get_batch is not None:
                yield get_batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def _iterate_stream(self) -> Iterator[Any]:
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            yield from self.dataset
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            raise TypeError("the length of a DataLoader over an IterableDataset is unknown")
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)
