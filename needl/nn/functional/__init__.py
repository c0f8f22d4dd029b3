"""needl.nn.functional: the function form of every layer, activation and loss."""
from .linear import bilinear, linear
