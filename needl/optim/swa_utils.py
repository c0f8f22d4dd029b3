"""Stochastic weight averaging and EMA of a model (torch.optim.swa_utils): AveragedModel keeps a
running average of another model's parameters, SWALR anneals the learning rate to a constant
SWA value, update_bn recomputes batch-norm statistics for the averaged weights."""
import itertools
import math
from copy import deepcopy
from typing import Any, Callable, Iterable, List, Optional, Sequence

import numpy as np

from ..autograd.mode import no_grad
from ..autograd.tensor import Tensor
from ..nn.module import Module
from ..nn.modules.normalization import _BatchNorm
from .lr_scheduler.base import LRScheduler, _per_group
from .optimizer import Optimizer
from .running_average import lerp_

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         f"range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An update of lists of averaged tensors, in place: ema = lerp(ema, current, 1 - decay)."""
    _check_decay(decay)

    def ema_update(ema_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor], _) -> None:
        for ema, current in zip(ema_param_list, current_param_list):
            if ema._data.dtype.kind == "f":
                lerp_(ema._data, current._data, 1 - decay)
            else:
                np.copyto(ema._data, ema._data * decay + current._data * (1 - decay),
                          casting="unsafe")
            ema._bump_version()
    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """An update of lists of averaged tensors, in place: the running mean of all models seen."""
    def swa_update(averaged_param_list: Sequence[Tensor], current_param_list: Sequence[Tensor],
                   num_averaged) -> None:
        count = float(_number(num_averaged))
        for averaged, current in zip(averaged_param_list, current_param_list):
            if averaged._data.dtype.kind == "f":
                lerp_(averaged._data, current._data, 1 / (count + 1))
            else:
                averaged._data += ((current._data - averaged._data) / (count + 1)).astype(
                    averaged._data.dtype)
            averaged._bump_version()
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """avg_fn(averaged, current, n) -> decay * averaged + (1 - decay) * current."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> Callable:
    """avg_fn(averaged, current, n) -> averaged + (current - averaged) / (n + 1)."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (_number(num_averaged) + 1)
    return swa_update


def _number(value):
    return value._data.item() if isinstance(value, Tensor) else value


class AveragedModel(Module):
    """A copy of `model` whose parameters (and buffers, with use_buffers=True) are the average of
    the models given to `update_parameters`: equal weights by default (SWA), or `avg_fn(averaged,
    current, n)` per tensor, or `multi_avg_fn(averaged_list, current_list, n)` in place (EMA:
    `multi_avg_fn=get_ema_multi_avg_fn(0.999)`). Calling it runs the averaged copy."""

    def __init__(self, model: Module, device=None, avg_fn: Optional[Callable] = None,
                 multi_avg_fn: Optional[Callable] = None, use_buffers: bool = False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, model: Module) -> tuple:
        if self.use_buffers:
            return (list(itertools.chain(self.module.parameters(), self.module.buffers())),
                    list(itertools.chain(model.parameters(), model.buffers())))
        return list(self.module.parameters()), list(model.parameters())

    def update_parameters(self, model: Module) -> None:
        """Fold `model`'s current parameters into the average (the first call copies them)."""
        averaged, current = self._averaged(model)
        count = int(self.n_averaged._data)
        with no_grad():
            if count == 0:
                for mine, theirs in zip(averaged, current):
                    np.copyto(mine._data, theirs._data, casting="same_kind")
                    mine._bump_version()
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([p.detach() for p in averaged], [p.detach() for p in current],
                                  self.n_averaged)
            elif self.avg_fn is not None:
                for mine, theirs in zip(averaged, current):
                    value = self.avg_fn(mine.detach(), theirs.detach(), self.n_averaged)
                    np.copyto(mine._data, value._data if isinstance(value, Tensor) else value,
                              casting="same_kind")
                    mine._bump_version()
            else:
                for mine, theirs in zip(averaged, current):
                    step = np.subtract(theirs._data, mine._data)
                    step = step / (count + 1)
                    # integer buffers (num_batches_tracked) are truncated back, as torch's copy_
                    np.copyto(mine._data, mine._data + step, casting="unsafe")
                    mine._bump_version()
            if not self.use_buffers:  # buffers (batch-norm statistics) are the latest model's
                for mine, theirs in zip(self.module.buffers(), model.buffers()):
                    np.copyto(mine._data, theirs._data, casting="same_kind")
                    mine._bump_version()
        self.n_averaged._data[...] = count + 1
        self.n_averaged._bump_version()


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running statistics of every batch norm in `model` with one pass over
    `loader` (cumulative averages over all its batches), as SWA needs after averaging weights."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to swa_lr over anneal_epochs ('cos' or 'linear'), then
    keep it there."""

    def __init__(self, optimizer: Optimizer, swa_lr, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> List[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        previous_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        previous_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], previous_alpha)
                        for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, previous_lrs)]
