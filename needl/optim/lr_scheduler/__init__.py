"""Learning-rate schedulers with PyTorch's names, arguments and step-by-step values.

A scheduler rewrites `group['lr']` of each optimizer group at every `step()`; call it after
`optimizer.step()`. The first value is set at construction (step 0), as in PyTorch.
"""
from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR
from .decay import ExponentialLR, MultiStepLR, PolynomialLR, StepLR
from .lambda_lr import LambdaLR, MultiplicativeLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .warmup import ConstantLR, LinearLR

_LRScheduler = LRScheduler  # the old name, still used by some subclasses in the wild

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR", "ChainedScheduler",
           "OneCycleLR", "ReduceLROnPlateau"]
