"""SequentialLR and ChainedScheduler: schedules made of other schedulers."""
from bisect import bisect_right
from typing import Any, Dict, Sequence

from ..optimizer import Optimizer
from .base import LRScheduler, _check_optimizer
from .plateau import ReduceLROnPlateau


def _check_schedulers(kind: str, optimizer: Optimizer, schedulers: Sequence) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{kind} expects at least one scheduler")
    for i, scheduler in enumerate(schedulers):
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{kind} does not support ReduceLROnPlateau (scheduler {i}): its step "
                             f"needs a metric")
        if getattr(scheduler, "optimizer", None) is not optimizer:
            raise ValueError(f"{kind} expects all schedulers to belong to the same optimizer, but "
                             f"scheduler {i} ({type(scheduler).__name__}) has another one")


class _SchedulerOfSchedulers(LRScheduler):
    """Saving and loading for schedulers that drive other schedulers."""

    def state_dict(self) -> Dict[str, Any]:
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        schedulers = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for scheduler, state in zip(self._schedulers, schedulers):
            scheduler.load_state_dict(state)


class SequentialLR(_SchedulerOfSchedulers):
    """Run `schedulers` one after the other, switching at the epochs in `milestones`.

    Example (warm-up, then cosine): SequentialLR(optimizer, [LinearLR(optimizer, 0.1,
    total_iters=5), CosineAnnealingLR(optimizer, T_max=95)], milestones=[5]).
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1):
        _check_optimizer(optimizer)
        _check_schedulers("SequentialLR", optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo the steps the schedulers took when built
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)  # a scheduler starts from its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_SchedulerOfSchedulers):
    """Step several schedulers together at every step (their effects multiply)."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer = None):
        optimizer = optimizer or (schedulers[0].optimizer if schedulers else None)
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()
