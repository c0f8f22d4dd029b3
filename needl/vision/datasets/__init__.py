"""torchvision.datasets' counterpart: MNIST-style IDX datasets, CIFAR, image folders, FakeData."""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, pil_loader
from .idx import IDXError, read_idx, write_idx
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100", "DatasetFolder",
           "ImageFolder", "FakeData", "VisionDataset", "IMG_EXTENSIONS", "default_loader",
           "pil_loader", "read_idx", "write_idx", "IDXError"]
