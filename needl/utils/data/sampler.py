"""Samplers: the order in which a DataLoader visits a dataset's indices, as torch.utils.data.

Each sampler draws an epoch's indices as NumPy arrays (`index_chunks`: the whole epoch at once,
or, for the random samplers, chunks drawn lazily so that `num_samples=int(1e10)` starts at once), so
the DataLoader never iterates over indices in Python; iterating a sampler yields Python ints.
"""
import itertools
from typing import Iterable, Iterator, List, Sequence

import numpy as np

from .dataset import GeneratorLike, as_generator

# indices drawn at a time by the lazy samplers (PyTorch draws 32; larger chunks amortise NumPy's call)
CHUNK = 1 << 16


class Sampler:
    """Base class: `iter(sampler)` gives dataset indices; `len(sampler)` how many."""

    def index_array(self) -> np.ndarray:
        """One epoch's indices as an int64 array (drawing new random ones at each call)."""
        return np.fromiter((int(i) for i in iter(self)), dtype=np.int64)

    def index_chunks(self) -> Iterator[np.ndarray]:
        """One epoch's indices as consecutive int64 arrays: index_array whole, or __iter__ in chunks."""
        if type(self).index_array is not Sampler.index_array:
            yield np.asarray(self.index_array(), dtype=np.int64)
        else:
            yield from _chunked(iter(self))

    def __iter__(self) -> Iterator[int]:
        if type(self).index_array is Sampler.index_array and type(self).index_chunks is Sampler.index_chunks:
            raise NotImplementedError(f"{type(self).__name__} must implement __iter__ or "
                                      f"index_array")
        return itertools.chain.from_iterable(chunk.tolist() for chunk in self.index_chunks())


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random permutation each epoch, or `num_samples` draws with replacement."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int = None,
                 generator: GeneratorLike = None):
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        self._rng = None if generator is None else as_generator(generator)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_chunks(self) -> Iterator[np.ndarray]:
        """Draws with replacement CHUNK at a time, or permutations one at a time (more samples
        than items: several), each drawn only when the one before it has been used."""
        rng = self._rng if self._rng is not None else as_generator(None)
        size, remaining = len(self.data_source), self.num_samples
        if size == 0 and remaining:
            raise ValueError(f"cannot draw {remaining} samples from an empty data_source")
        while remaining > 0:
            if self.replacement:
                chunk = rng.integers(0, size, min(remaining, CHUNK))
            else:
                chunk = rng.permutation(size)[:remaining]
            remaining -= len(chunk)
            yield chunk

    def index_array(self) -> np.ndarray:
        return np.concatenate(list(self.index_chunks()))

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: GeneratorLike = None):
        self.indices = np.asarray(indices, dtype=np.int64)
        self.generator = generator
        self._rng = None if generator is None else as_generator(generator)

    def index_array(self) -> np.ndarray:
        rng = self._rng if self._rng is not None else as_generator(None)
        return self.indices[rng.permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights`."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: GeneratorLike = None):
        weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        if not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if weights.size == 0 or np.any(weights < 0) or not np.isfinite(weights).all() \
                or weights.sum() <= 0:
            raise ValueError("weights must be non-negative, finite, and not all zero")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(weights)} non-zero weights")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator
        self._rng = None if generator is None else as_generator(generator)

    def index_chunks(self) -> Iterator[np.ndarray]:
        """With replacement, CHUNK draws at a time (num_samples may be endless); without, all at
        once (there are at most as many as nonzero weights)."""
        rng = self._rng if self._rng is not None else as_generator(None)
        probabilities = self.weights / self.weights.sum()
        if not self.replacement:
            yield rng.choice(len(self.weights), size=self.num_samples, replace=False, p=probabilities)
            return
        for start in range(0, self.num_samples, CHUNK):
            yield rng.choice(len(self.weights), size=min(CHUNK, self.num_samples - start), p=probabilities)

    def index_array(self) -> np.ndarray:
        return np.concatenate(list(self.index_chunks()))

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one may be shorter)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def index_batches(self) -> Iterator[np.ndarray]:
        """One epoch's batches, each an int64 index array, cut from the sampler's chunks as they come."""
        size = self.batch_size
        leftover = None  # the start of a batch that the previous chunk could not fill
        for chunk in index_chunks(self.sampler):
            if leftover is not None:
                chunk = np.concatenate((leftover, chunk))
            full = len(chunk) - len(chunk) % size
            for start in range(0, full, size):
                yield chunk[start:start + size]
            leftover = chunk[full:] if full < len(chunk) else None
        if leftover is not None and not self.drop_last:
            yield leftover

    def __iter__(self) -> Iterator[List[int]]:
        return (batch.tolist() for batch in self.index_batches())

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)


def index_array(sampler) -> np.ndarray:
    """One epoch of any sampler (needl's, or any iterable of ints) as an int64 array."""
    if isinstance(sampler, Sampler):
        return np.asarray(sampler.index_array(), dtype=np.int64)
    return np.fromiter((int(i) for i in sampler), dtype=np.int64)


def index_chunks(sampler) -> Iterator[np.ndarray]:
    """One epoch of any sampler as consecutive int64 arrays, drawn lazily where the sampler can."""
    if isinstance(sampler, Sampler):
        return sampler.index_chunks()
    return _chunked(iter(sampler))


def _chunked(indices: Iterable[int]) -> Iterator[np.ndarray]:
    """An iterator of ints as int64 arrays of up to CHUNK elements (it may be endless)."""
    while True:
        chunk = np.fromiter((int(i) for i in itertools.islice(indices, CHUNK)), dtype=np.int64)
        if not chunk.size:
            return
        yield chunk
