"""Momentum cycling, shared by OneCycleLR and CyclicLR: they move each group's momentum (or
Adam's beta1) opposite to its learning rate, between base_momentum and max_momentum."""
from typing import List, Tuple

from ..optimizer import Optimizer
from .base import _per_group


class MomentumCycling:
    """Mixin of the schedulers that cycle the momentum."""

    def _start_momentum_cycle(self, optimizer: Optimizer, base_momentum, max_momentum,
                              last_epoch: int) -> Tuple[List[float], List[float]]:
        """Check that the optimizer has a momentum, store the per-group limits in the groups
        (when starting afresh) with the momentum at its maximum; returns (base, max) per group."""
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                             "option enabled")
        self.use_beta1 = "betas" in optimizer.defaults
        base_momentums = _per_group("base_momentum", optimizer, base_momentum)
        max_momentums = _per_group("max_momentum", optimizer, max_momentum)
        if last_epoch == -1:
            for group, high, low in zip(optimizer.param_groups, max_momentums, base_momentums):
                self._set_momentum(group, high)
                group["max_momentum"] = high
                group["base_momentum"] = low
        return base_momentums, max_momentums

    def _set_momentum(self, group: dict, momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum
