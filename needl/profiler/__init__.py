"""needl.profiler: what each op costs (forward and backward time, bytes saved for backward),
with the API of torch.profiler.

    from needl.profiler import ProfilerActivity, profile, record_function, schedule
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                 schedule=schedule(wait=1, warmup=1, active=3),
                 on_trace_ready=needl.profiler.tensorboard_trace_handler("./log")) as prof:
        for inputs, labels in loader:
            with record_function("train_step"):
                train_step(inputs, labels)
            prof.step()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

See docs/profiler.md. The pieces: `activities` (ProfilerActivity, ProfilerAction, schedule),
`recorder` (the methods swapped in while recording), `events` and `statistics` (what is kept
and how it is summed), `table` and `trace` (what is written out).
"""
from .activities import ProfilerAction, ProfilerActivity, kineto_available, schedule, supported_activities
from .events import EventList, FunctionEvent
from .profile import profile
from .record_function import record_function
from .statistics import FunctionEventAvg, KeyAverages, OpStatistics
from .trace import tensorboard_trace_handler

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler", "ProfilerAction",
           "ProfilerActivity", "kineto_available", "record_function", "EventList", "FunctionEvent",
           "FunctionEventAvg", "KeyAverages", "OpStatistics"]
