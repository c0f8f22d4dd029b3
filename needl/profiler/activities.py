"""What a profile records (`ProfilerActivity`) and when (`ProfilerAction`, `schedule`), as PyTorch names them."""
import enum
import warnings
from typing import Callable

__all__ = ["ProfilerActivity", "ProfilerAction", "schedule", "supported_activities", "kineto_available"]


class ProfilerActivity(enum.Enum):
    """The devices PyTorch's profiler can trace; needl runs on the CPU alone, so only CPU records."""
    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does during one step: nothing, warm up, record, record then hand the trace over."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    """The activities needl can record: the CPU."""
    return {ProfilerActivity.CPU}


def kineto_available() -> bool:
    """needl has its own recorder, not PyTorch's Kineto library."""
    return False


_warned = set()


def warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, stacklevel=3)


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """The step -> ProfilerAction function of PyTorch's `torch.profiler.schedule`.

    Skip `skip_first` steps, then cycle: `wait` steps of nothing, `warmup` steps, `active`
    recorded steps (the last one RECORD_AND_SAVE, which hands the trace to on_trace_ready);
    `repeat` cycles (0: until the profile ends). `skip_first_wait` drops the first cycle's wait.
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                         f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                         f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < 0:
            raise ValueError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        if repeat > 0 and step >= repeat * cycle:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


def always_record(step: int) -> ProfilerAction:
    """The schedule of a profile given none: every step is recorded, the trace handed over at exit."""
    return ProfilerAction.RECORD
