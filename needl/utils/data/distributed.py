"""DistributedSampler: each rank's share of a dataset's indices, split as PyTorch's.

The epoch's order (a permutation seeded by `seed + epoch`, the same on every rank, or 0..n-1)
is padded with its own first indices to a multiple of `num_replicas` (or, with
`drop_last=True`, cut to one), and rank r takes every num_replicas-th index from r. The
permutation is NumPy's, not PyTorch's: the split is the same, the shuffled order is not.
"""
import math
from typing import Optional

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler):
    """The indices of `dataset` that rank `rank` of `num_replicas` visits this epoch.

    `num_replicas` and `rank` default to the world's size and this process's rank. Call
    `set_epoch(epoch)` before each epoch so the shuffle differs between epochs.
    """

    def __init__(self, dataset, num_replicas: Optional[int] = None, rank: Optional[int] = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist  # only then: the process group gives them
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas <= 0:
            raise ValueError(f"num_replicas should be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, int) or rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        length = len(dataset)
        if drop_last and length % num_replicas:
            self.num_samples = math.ceil((length - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(length / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def index_array(self) -> np.ndarray:
        length = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(length)
        else:
            indices = np.arange(length, dtype=np.int64)
        if self.total_size > length:  # pad with the first indices (repeated if need be)
            indices = np.resize(indices, self.total_size) if length else indices
        return indices[:self.total_size][self.rank::self.num_replicas]

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use `epoch` in the shuffle's seed: every rank must call it with the same epoch."""
        self.epoch = epoch
