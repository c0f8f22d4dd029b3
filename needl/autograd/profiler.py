"""needl.autograd.profiler: the older torch.autograd.profiler names, on needl.profiler.

Not imported by needl.autograd itself (the profiler imports needl.viz, which imports autograd).
"""
from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function
from ..profiler import profile as _profile
from ..profiler.activities import ProfilerActivity

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_profile):
    """torch.autograd.profiler.profile: `with profile(record_shapes=True) as prof:`.

    enabled=False records nothing. use_cuda / use_device ask for a GPU, which needl has not:
    it warns once and profiles the CPU. use_kineto and use_cpu are accepted (needl has one recorder).
    """

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device: str | None = None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config=None, acc_events: bool = False):
        activities = [ProfilerActivity.CPU]
        if use_cuda:
            activities.append(ProfilerActivity.CUDA)
        if use_device is not None and use_device != "cpu":
            names = {activity.name.lower(): activity for activity in ProfilerActivity}
            device = str(use_device).split(":")[0].lower()
            activities.append(names.get(device, ProfilerActivity.PrivateUse1))
        super().__init__(activities=activities, record_shapes=record_shapes, profile_memory=profile_memory,
                         with_stack=with_stack, with_flops=with_flops, with_modules=with_modules,
                         experimental_config=experimental_config, acc_events=acc_events)
        self.enabled = enabled

    def __enter__(self) -> "profile":
        if self.enabled:
            self.start()
        return self

    @property
    def function_events(self) -> EventList:
        return self.events() if self._events is not None else EventList()

    @property
    def self_cpu_time_total(self) -> float:
        """Microseconds spent in recorded events."""
        return self.function_events.self_cpu_time_total

    def total_average(self) -> FunctionEventAvg:
        return self.function_events.total_average()
