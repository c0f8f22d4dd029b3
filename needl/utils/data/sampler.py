"""Samplers: the order in which a DataLoader visits a dataset's indices, as torch.utils.data.

Each sampler draws a whole epoch's indices as one NumPy array (`index_array`), so the
DataLoader never iterates over indices in Python; iterating a sampler yields Python ints.
"""
from typing import Iterator, List, Sequence

import numpy as np

from .dataset import GeneratorLike, as_generator


class Sampler:
    """Base class: `iter(sampler)` gives dataset indices; `len(sampler)` how many."""

    def index_array(self) -> np.ndarray:
        """One epoch's indices as an int64 array (drawing new random ones at each call)."""
        return np.fromiter((int(i) for i in iter(self)), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        if type(self).index_array is Sampler.index_array:
            raise NotImplementedError(f"{type(self).__name__} must implement __iter__ or "
                                      f"index_array")
        return iter(self.index_array().tolist())


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

    def index_array(self) -> np.ndarray:
        rng = self._rng if self._rng is not None else as_generator(None)
        size = len(self.data_source)
        if self.replacement:
            return rng.integers(0, size, self.num_samples)
        rounds = -(-self.num_samples // size)  # more samples than items: several permutations
        return np.concatenate([rng.permutation(size) for _ in range(rounds)])[:self.num_samples]

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

    def index_array(self) -> np.ndarray:
        rng = self._rng if self._rng is not None else as_generator(None)
        return rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum())

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
        """One epoch's batches, each an int64 index array."""
        indices = index_array(self.sampler)
        stop = len(indices) - len(indices) % self.batch_size if self.drop_last else len(indices)
        for start in range(0, stop, self.batch_size):
            yield indices[start:start + self.batch_size]

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
