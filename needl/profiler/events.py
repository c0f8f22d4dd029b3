"""The events a profile records (one per op call, backward replay or named range) and their list."""
from typing import NamedTuple

__all__ = ["FunctionEvent", "EventList", "Interval", "FORWARD", "BACKWARD", "USER_ANNOTATION", "MODULE"]

# event kinds; the chrome trace category of each
FORWARD, BACKWARD, USER_ANNOTATION, MODULE = "forward", "backward", "user_annotation", "module"
CATEGORY = {FORWARD: "cpu_op", BACKWARD: "cpu_op", USER_ANNOTATION: "user_annotation", MODULE: "python_function"}


class Interval(NamedTuple):
    """An event's time range in microseconds (PyTorch's `FunctionEvent.time_range`)."""
    start: float
    end: float

    def elapsed_us(self) -> float:
        return self.end - self.start


class FunctionEvent:
    """One recorded call, with PyTorch's `FunctionEvent` attribute names where they map.

    `name` is the op (or range) name; a backward replay has the name of the op it differentiates
    (so both land in the op's row of `key_averages()`) and `trace_name` "TanhBackward".
    Times are kept in nanoseconds (`start_ns`, `end_ns`); PyTorch's `*_time*` are microseconds.
    """
    __slots__ = ("id", "name", "kind", "start_ns", "end_ns", "thread", "sequence_nr", "shapes",
                 "stack", "own_memory", "saved_bytes", "flops", "args", "trace_name", "cpu_parent",
                 "cpu_children", "self_ns", "cpu_memory_usage")

    def __init__(self, name: str, kind: str, start_ns: int, end_ns: int, thread: int, sequence_nr: int = -1,
                 shapes=(), stack=(), own_memory: int = 0, saved_bytes: int = 0, flops: int = 0,
                 args=None, trace_name: str | None = None):
        self.id = -1
        self.name = name
        self.kind = kind
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.thread = thread
        self.sequence_nr = sequence_nr      # the tape node's sequence: links a forward to its backward
        self.shapes = shapes                # shape tuples of the forward inputs (record_shapes=True)
        self.stack = stack                  # "file(line): function", innermost first (with_stack=True)
        self.own_memory = own_memory        # bytes of the new arrays it returned (profile_memory=True)
        self.saved_bytes = saved_bytes      # bytes its tape node keeps for backward
        self.flops = flops                  # estimated floating-point operations (with_flops=True)
        self.args = args                    # record_function's `args` string
        self.trace_name = trace_name or name
        self.cpu_parent = None              # the enclosing event, set by EventList
        self.cpu_children = ()
        self.self_ns = end_ns - start_ns
        self.cpu_memory_usage = own_memory

    @property
    def key(self) -> str:
        """The row of key_averages() this event adds to (PyTorch merges ProfilerStep#N into ProfilerStep*)."""
        return "ProfilerStep*" if self.name.startswith("ProfilerStep#") else self.name

    @property
    def input_shapes(self) -> list:
        """PyTorch's form: a list per input, [] for an input that is not a tensor."""
        return [list(shape) for shape in self.shapes]

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    @property
    def time_range(self) -> Interval:
        return Interval(self.start_ns / 1e3, self.end_ns / 1e3)

    @property
    def cpu_time_total(self) -> float:
        return self.duration_ns / 1e3

    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self) -> float:
        return self.self_ns / 1e3

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.own_memory

    @property
    def is_user_annotation(self) -> bool:
        return self.kind in (USER_ANNOTATION, MODULE)

    count = 1
    device_time_total = self_device_time_total = device_time = 0.0
    cuda_time_total = self_cuda_time_total = cuda_time = 0.0
    device_memory_usage = self_device_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.trace_name} kind={self.kind} "
                f"cpu_time_total={self.cpu_time_total:.3f}us input_shapes={self.input_shapes}>")


class EventList(list):
    """The events of one profile in start order, each knowing its enclosing event (`cpu_parent`)."""

    def __init__(self, events=(), *, metadata=None):
        super().__init__(sorted(events, key=lambda event: (event.thread, event.start_ns, -event.end_ns)))
        self.metadata = dict(metadata or {})
        self._build_tree()

    def _build_tree(self) -> None:
        """Nest each event in the innermost event of its thread that contains it; self time is
        its time minus its children's, its memory its own plus its children's."""
        open_events = []
        for index, event in enumerate(self):
            event.id = index
            event.cpu_parent, event.cpu_children = None, []  # lists made here, not while recording
            event.self_ns, event.cpu_memory_usage = event.duration_ns, event.own_memory
            while open_events and (open_events[-1].thread != event.thread
                                   or open_events[-1].end_ns < event.end_ns):
                open_events.pop()
            if open_events:
                parent = open_events[-1]
                event.cpu_parent = parent
                parent.cpu_children.append(event)
            open_events.append(event)
        for event in reversed(self):  # children come after their parent: totals flow upwards
            parent = event.cpu_parent
            if parent is not None:
                parent.self_ns -= event.duration_ns
                parent.cpu_memory_usage += event.cpu_memory_usage

    @property
    def self_cpu_time_total(self) -> float:
        """The time of the profile spent in recorded events, microseconds (each moment counted once)."""
        return sum(event.self_ns for event in self) / 1e3

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0):
        """One row per event name (and input shapes, and top `group_by_stack_n` stack frames)."""
        from .statistics import average
        return average(self, group_by_input_shape, group_by_stack_n)

    def total_average(self):
        """One row summing every event (PyTorch's `EventList.total_average`)."""
        from .statistics import OpStatistics
        total = OpStatistics("Total")
        for event in self:
            total.add(event)
        return total

    def table(self, sort_by: str | None = None, row_limit: int | None = 100, **options) -> str:
        """The table of `key_averages()` (see `KeyAverages.table`)."""
        return self.key_averages().table(sort_by, row_limit, **options)

    def export_chrome_trace(self, path: str) -> None:
        from .trace import write_chrome_trace
        write_chrome_trace(self, path, self.metadata)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        from .trace import write_stacks
        write_stacks(self, path, metric)
