"""Datasets: MNIST and FashionMNIST, and the IDX file format they are stored in."""
from .idx import IDXError, read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = ["MNIST", "FashionMNIST", "read_idx", "write_idx", "IDXError"]
