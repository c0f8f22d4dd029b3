"""Datasets and the DataLoader, as torch.utils.data."""
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from ._worker import WorkerInfo, get_worker_info
from .distributed import DistributedSampler  # noqa: F401  (imports no mpi4py)
from .combined import ChainDataset, StackDataset
from .dataset import (ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset", "StackDataset",
           "DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]
