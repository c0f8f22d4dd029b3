"""Datasets and the DataLoader, as torch.utils.data."""
from .dataloader import DataLoader, default_collate
from .dataset import (ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                      random_split)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "DataLoader", "default_collate", "random_split"]
