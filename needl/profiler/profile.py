"""needl.profiler.profile: PyTorch's torch.profiler.profile on needl's recorder.

    with needl.profiler.profile(record_shapes=True) as prof:
        loss = criterion(model(x), y)
        loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

With a `schedule`, `prof.step()` marks each training step: steps are skipped, warmed up or
recorded as the schedule says, and `on_trace_ready(prof)` gets each finished span of recorded
steps. Nothing is swapped in (and nothing costs) outside the recorded steps.
"""
import json
import time
import uuid
import warnings
from typing import Callable, Iterable

from .activities import ProfilerAction, ProfilerActivity, always_record, supported_activities, warn_once
from .events import EventList
from .recorder import Recorder, clock
from .record_function import record_function
from .statistics import KeyAverages, format_time

__all__ = ["profile"]

_A = ProfilerAction
_NO_GPU = ("needl has no GPU: {} activity records nothing; the CPU is profiled")


class profile:
    """Context manager (or start()/stop()) that records what needl runs; see the module docstring.

    activities: ProfilerActivity values (or a dict keyed by them); needl records the CPU, and
        warns once that anything else records nothing. record_shapes: input shapes of each op;
        profile_memory: bytes of the new arrays each op returns; with_stack: the calling source
        lines; with_flops: FLOPs of matmul, linear, convolutions, add, mul; with_modules: each
        Module call as a range "nn.Module: Linear_0". acc_events: keep the events of every cycle.
        execution_trace_observer: its start()/stop() are called around each recorded span.
        experimental_config configures PyTorch's Kineto and is ignored.
    """
    _active = None  # the profile whose block runs; profiles do not nest

    def __init__(self, *, activities: Iterable | None = None, schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable | None = None, record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False, with_modules: bool = False,
                 experimental_config=None, execution_trace_observer=None, acc_events: bool = False,
                 use_cuda: bool | None = None):
        self.activities = _parse_activities(activities)
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=2)
            if use_cuda:
                self.activities.add(ProfilerActivity.CUDA)
        for activity in sorted(self.activities - supported_activities(), key=lambda item: item.value):
            warn_once(_NO_GPU.format(activity.name))
        if experimental_config is not None:
            warn_once("needl.profiler ignores experimental_config: it configures PyTorch's Kineto library")
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules = with_flops, with_modules
        self.experimental_config = experimental_config
        self.execution_trace_observer = execution_trace_observer
        self.acc_events = acc_events
        self.schedule = schedule or always_record
        self.record_steps = schedule is not None  # ProfilerStep#N ranges, as PyTorch adds with a schedule
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(0)
        self.wall_ns = 0  # time spent recording
        self._events = None
        self._event_list = None
        self._recorder = None
        self._step_range = None
        self._metadata = {}
        self._transitions = {
            (_A.NONE, _A.WARMUP): [self.prepare_trace],
            (_A.NONE, _A.RECORD): [self.prepare_trace, self.start_trace],
            (_A.NONE, _A.RECORD_AND_SAVE): [self.prepare_trace, self.start_trace],
            (_A.WARMUP, _A.NONE): [lambda: warnings.warn("Incorrect schedule: WARMUP followed by NONE"),
                                   self.start_trace, self.stop_trace],
            (_A.WARMUP, _A.RECORD): [self.start_trace],
            (_A.WARMUP, _A.RECORD_AND_SAVE): [self.start_trace],
            (_A.RECORD, _A.NONE): [lambda: warnings.warn("Incorrect schedule: RECORD followed by NONE"),
                                   self.stop_trace],
            (_A.RECORD, _A.WARMUP): [lambda: warnings.warn("Incorrect schedule: RECORD followed by WARMUP"),
                                     self.stop_trace],
            (_A.RECORD_AND_SAVE, _A.NONE): [self.stop_trace, self._trace_ready],
            (_A.RECORD_AND_SAVE, _A.WARMUP): [self.stop_trace, self._trace_ready, self.prepare_trace],
            (_A.RECORD_AND_SAVE, _A.RECORD): [self.stop_trace, self._trace_ready, self.prepare_trace,
                                              self.start_trace],
            (_A.RECORD_AND_SAVE, _A.RECORD_AND_SAVE): [self.stop_trace, self._trace_ready, self.prepare_trace,
                                                       self.start_trace],
            # leaving the block
            (_A.WARMUP, None): [self.start_trace, self.stop_trace],
            (_A.RECORD, None): [self.stop_trace, self._trace_ready],
            (_A.RECORD_AND_SAVE, None): [self.stop_trace, self._trace_ready],
        }

    # ---- the block and its steps ---------------------------------------------------------------
    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc_info) -> bool:
        self.stop()
        observer = self.execution_trace_observer
        if observer is not None and hasattr(observer, "cleanup"):
            observer.cleanup()
        return False

    def start(self) -> None:
        if profile._active is not None:
            raise RuntimeError("a needl.profiler.profile block is already running; profiles cannot nest")
        profile._active = self
        try:
            self._transit(_A.NONE, self.current_action)
        except BaseException:
            self._abandon()
            raise
        self._open_step_range()

    def stop(self) -> None:
        if profile._active is not self:
            return
        try:
            self._close_step_range()
            self._transit(self.current_action, None)
        finally:
            self._abandon()

    def step(self) -> None:
        """Mark the start of the next step: the schedule decides whether it is recorded."""
        if profile._active is not self:
            raise RuntimeError("prof.step() was called outside the profile: call it inside the `with` block "
                               "(or between start() and stop())")
        self._close_step_range()
        previous, self.step_num = self.current_action, self.step_num + 1
        self.current_action = self.schedule(self.step_num)
        self._transit(previous, self.current_action)
        self._open_step_range()

    def _transit(self, previous, current) -> None:
        for action in self._transitions.get((previous, current), ()):
            action()

    def _abandon(self) -> None:
        """Put the original methods back whatever happened, and let another profile run."""
        if self._recorder is not None:
            self._recorder.restore()
        profile._active = None

    def _open_step_range(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _close_step_range(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    # ---- a cycle: prepare, start recording, stop, hand over --------------------------------------
    def prepare_trace(self) -> None:
        """Begin a cycle: a new event list, unless acc_events keeps the previous ones."""
        if self._events is not None and not self.acc_events:
            warn_once("Warning: Profiler clears events at the end of each cycle. Only events from the current "
                      "cycle will be reported. To keep events across cycles, set acc_events=True.")
        if self._events is None or not self.acc_events:
            self._events = []
            self._event_list = None
            self.wall_ns = 0
            self._metadata["trace_id"] = uuid.uuid4().hex.upper()

    def start_trace(self) -> None:
        if self.execution_trace_observer is not None:
            self.execution_trace_observer.start()
        self._recorder = Recorder(self._events, record_shapes=self.record_shapes,
                                  profile_memory=self.profile_memory, with_stack=self.with_stack,
                                  with_flops=self.with_flops, with_modules=self.with_modules)
        self._recorder.install()
        self._start_ns = clock()

    def stop_trace(self) -> None:
        if self.execution_trace_observer is not None:
            self.execution_trace_observer.stop()
        if self._recorder is not None:
            self._recorder.restore()
            self._recorder = None
            self.wall_ns += clock() - self._start_ns
            self._event_list = None

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def toggle_collection_dynamic(self, enable: bool, activities: Iterable) -> None:
        """Pause (enable=False) or resume recording the CPU inside a recorded span."""
        if ProfilerActivity.CPU in set(activities) and self._recorder is not None:
            if enable:
                self._recorder.install()
            else:
                self._recorder.restore()

    # ---- results -------------------------------------------------------------------------------
    def events(self) -> EventList:
        """The recorded events of the last cycle (all cycles with acc_events), in start order."""
        if self._events is None:
            raise RuntimeError("the profiler has recorded nothing yet: run it (a `with` block, or start())")
        if self._event_list is None or len(self._event_list) != len(self._events):
            self._event_list = EventList(self._events, metadata=self._trace_metadata())
        return self._event_list

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> KeyAverages:
        """One row per op (and per input shapes with group_by_input_shape, per top stack frames
        with group_by_stack_n), the most expensive first."""
        if self._events is None:
            return KeyAverages()
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    @property
    def statistics(self) -> dict:
        """needl's original view: op name -> OpStatistics."""
        return {row.name: row for row in self.key_averages()}

    def table(self, sort_by: str | None = None, row_limit: int | None = 100, **options) -> str:
        """The table of `key_averages()`, followed by the time spent recording."""
        return (self.key_averages().table(sort_by, row_limit, **options)
                + f"\nWall time of the profiled block: {format_time(self.wall_ns)}")

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the events as Chrome trace JSON (load it in chrome://tracing or ui.perfetto.dev)."""
        self.events().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write flame-graph stacks of the events recorded with with_stack=True."""
        self.events().export_stacks(path, metric)

    def export_memory_timeline(self, path: str, device: str | None = None) -> None:
        raise RuntimeError("needl.profiler cannot export a memory timeline: it measures the bytes each op returns "
                           "(profile_memory=True), not when NumPy allocates and frees them")

    def add_metadata(self, key: str, value: str) -> None:
        """A string written at the top level of the exported trace."""
        self._metadata[key] = str(value)

    def add_metadata_json(self, key: str, value: str) -> None:
        """A JSON value (given as text) written at the top level of the exported trace."""
        self._metadata[key] = json.loads(value)

    def _trace_metadata(self) -> dict:
        flags = {name: 1 for name in ("record_shapes", "profile_memory", "with_stack", "with_flops", "with_modules")
                 if getattr(self, name)}
        return {**flags, "baseTimeNanoseconds": time.time_ns() - time.perf_counter_ns(), **self._metadata}

    def __str__(self):
        return self.table()


def _parse_activities(activities) -> set:
    if activities is None:
        return supported_activities()
    chosen = set()
    for item in activities:
        keys = item.keys() if isinstance(item, dict) else (item,)
        for key in keys:
            if not isinstance(key, ProfilerActivity):
                raise TypeError(f"activities must hold ProfilerActivity values (or dicts keyed by them), "
                                f"got {key!r}")
            chosen.add(key)
    if not chosen:
        raise ValueError("No valid profiler activities found: pass activities=[ProfilerActivity.CPU]")
    return chosen
