"""swap_in_optimizer_params_and_state: run an optimizer on other parameters and state for a while
(torch.optim's, 2.13), e.g. to step copies without touching the live training run."""
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Dict, Iterator

from ..autograd.tensor import Tensor
from .optimizer import Optimizer


@contextmanager
def swap_in_optimizer_params_and_state(optimizer: Optimizer, swapin_parameters: Dict[str, Tensor],
                                       swapin_optim_state: Dict[str, Any]) -> Iterator[None]:
    """Inside the block, `optimizer` works on `swapin_parameters` (in the order of its own
    parameters) and on the state of `swapin_optim_state` (a state_dict()-shaped dict); on exit
    its own parameters, groups and state come back. In-place changes of the swapped-in Tensors
    stay in them; entries the step adds or replaces are dropped, as in PyTorch."""
    own = [param for group in optimizer.param_groups for param in group["params"]]
    params = list(swapin_parameters.values())
    if len(params) != len(own):
        raise ValueError(f"swap_in_optimizer_params_and_state got {len(params)} parameters for an "
                         f"optimizer of {len(own)}")
    for index, (mine, theirs) in enumerate(zip(own, params)):
        if not isinstance(theirs, Tensor) or theirs.shape != mine.shape:
            raise ValueError(f"swapped-in parameter {index} must be a Tensor of shape "
                             f"{tuple(mine.shape)}, got {getattr(theirs, 'shape', type(theirs))}")
    saved_groups = swapin_optim_state["param_groups"]
    if len(saved_groups) != len(optimizer.param_groups):
        raise ValueError(f"swapped-in state has {len(saved_groups)} param groups, the optimizer "
                         f"{len(optimizer.param_groups)}")
    groups = []
    for group, saved in zip(optimizer.param_groups, saved_groups):
        if len(saved["params"]) != len(group["params"]):
            raise ValueError("a swapped-in param group does not match the size of the optimizer's")
        swapped = {key: value for key, value in saved.items() if key != "params"}
        swapped["params"] = [params[index] for index in saved["params"]]
        groups.append(swapped)
    state = defaultdict(dict)
    state.update({params[index]: dict(entries)
                  for index, entries in swapin_optim_state["state"].items()})
    live = optimizer.param_groups, optimizer.state
    optimizer.param_groups, optimizer.state = groups, state
    try:
        yield
    finally:
        optimizer.param_groups, optimizer.state = live

