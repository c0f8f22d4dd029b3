"""The layers, one file per family."""
from .linear import Bilinear, Identity, Linear
