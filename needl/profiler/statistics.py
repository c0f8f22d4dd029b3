"""key_averages(): the events of a profile summed per op (or range) name, PyTorch's FunctionEventAvg."""
from .events import BACKWARD, FORWARD

__all__ = ["OpStatistics", "FunctionEventAvg", "KeyAverages", "average"]


class OpStatistics:
    """What one op (or named range) cost while profiling; `*_ns` in nanoseconds, PyTorch's
    `*_time*` names in microseconds.

    An op's row holds its forward calls and its backward replays: `count` forward calls taking
    `forward_ns`, `backward_count` replays taking `backward_ns`, and the bytes its tape nodes keep
    for backward. A range's row (record_function, ProfilerStep*, a module with with_modules)
    counts its calls in `count` and its time in `total_ns` only.
    """
    __slots__ = ("name", "count", "forward_ns", "backward_count", "backward_ns", "saved_bytes", "total_ns",
                 "self_ns", "cpu_memory_usage", "self_cpu_memory_usage", "flops", "input_shapes", "stack",
                 "is_user_annotation", "cpu_parent")

    def __init__(self, name: str, input_shapes=(), stack=(), is_user_annotation: bool = False):
        self.name = name
        self.count = 0              # forward calls (of a range: its calls)
        self.forward_ns = 0
        self.backward_count = 0     # backward replays of its nodes
        self.backward_ns = 0
        self.saved_bytes = 0        # kept alive for backward by the nodes it recorded
        self.total_ns = 0           # forward + backward (a range: its time)
        self.self_ns = 0            # total_ns minus the events recorded inside it
        self.cpu_memory_usage = 0   # bytes of the new arrays returned, events inside included
        self.self_cpu_memory_usage = 0
        self.flops = 0
        self.input_shapes = list(input_shapes)
        self.stack = list(stack)
        self.is_user_annotation = is_user_annotation
        self.cpu_parent = None      # the parent of its first event (top_level_events_only reads it)

    def add(self, event) -> "OpStatistics":
        duration = event.duration_ns
        if event.kind == BACKWARD:
            self.backward_count += 1
            self.backward_ns += duration
        else:
            if self.count == 0 and self.backward_count == 0:
                self.cpu_parent = event.cpu_parent
            self.count += 1
            if event.kind == FORWARD:
                self.forward_ns += duration
        self.total_ns += duration
        self.self_ns += event.self_ns
        self.saved_bytes += event.saved_bytes
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.own_memory
        self.flops += event.flops
        return self

    # ---- needl's names (nanoseconds) ---------------------------------------------------------
    @property
    def calls(self) -> int:
        """Forward calls, or backward replays for an op whose forward ran before the profile."""
        return self.count or self.backward_count

    @property
    def forward_mean_ns(self) -> float:
        return self.forward_ns / self.count if self.count else 0.0

    @property
    def backward_mean_ns(self) -> float:
        return self.backward_ns / self.backward_count if self.backward_count else 0.0

    # ---- PyTorch's FunctionEventAvg names (microseconds) -------------------------------------
    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.total_ns / 1e3

    @property
    def self_cpu_time_total(self) -> float:
        return self.self_ns / 1e3

    @property
    def cpu_time(self) -> float:
        """Mean time per call, its backward included."""
        return self.total_ns / 1e3 / self.calls if self.calls else 0.0

    @property
    def cpu_time_str(self) -> str:
        return format_time(self.cpu_time * 1e3)

    @property
    def cpu_time_total_str(self) -> str:
        return format_time(self.total_ns)

    @property
    def self_cpu_time_total_str(self) -> str:
        return format_time(self.self_ns)

    # needl has no devices: what PyTorch measures on the GPU is 0
    device_time_total = self_device_time_total = device_time = 0.0
    cuda_time_total = self_cuda_time_total = cuda_time = 0.0
    device_memory_usage = self_device_memory_usage = cuda_memory_usage = self_cuda_memory_usage = 0
    node_id = -1
    is_remote = is_async = False

    def __repr__(self):
        return (f"<OpStatistics {self.name}: {self.count} calls, forward {self.forward_ns} ns, "
                f"{self.backward_count} backward, {self.backward_ns} ns, {self.saved_bytes} B saved>")


FunctionEventAvg = OpStatistics  # PyTorch's name for a row of key_averages()


def average(events, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "KeyAverages":
    """Sum `events` per name (and input shapes, and the top `group_by_stack_n` stack frames)."""
    rows = {}
    for event in events:
        shapes = event.shapes if group_by_input_shape else ()
        stack = tuple(event.stack[:group_by_stack_n]) if group_by_stack_n > 0 else ()
        key = (event.key, event.is_user_annotation, shapes, stack)
        row = rows.get(key)
        if row is None:
            row = rows[key] = OpStatistics(event.key, [list(shape) for shape in shapes], stack,
                                           event.is_user_annotation)
        row.add(event)
    return KeyAverages(sorted(rows.values(), key=lambda row: row.total_ns, reverse=True))


def format_time(nanoseconds: float) -> str:
    if nanoseconds < 1e6:
        return f"{nanoseconds / 1e3:.3f}us"
    if nanoseconds < 1e9:
        return f"{nanoseconds / 1e6:.3f}ms"
    return f"{nanoseconds / 1e9:.3f}s"


class KeyAverages(list):
    """The rows of one profile (OpStatistics), the most expensive first; `table()` formats them."""

    def table(self, sort_by: str | None = None, row_limit: int | None = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """A text table in PyTorch's layout plus needl's forward/backward split and saved bytes.

        sort_by: PyTorch's keys (cpu_time_total, self_cpu_time_total, cpu_time, count,
        cpu_memory_usage, self_cpu_memory_usage, flops; cuda_/device_ keys are 0 on needl) or
        needl's (total, forward, backward, saved); None keeps the order (total time).
        """
        from .table import format_table
        return format_table(self, sort_by, row_limit, max_src_column_width, max_name_column_width,
                            max_shapes_column_width, header, top_level_events_only, time_unit)

    def total_average(self) -> OpStatistics:
        total = OpStatistics("Total")
        for row in self:
            for name in ("count", "forward_ns", "backward_count", "backward_ns", "saved_bytes", "total_ns",
                         "self_ns", "cpu_memory_usage", "self_cpu_memory_usage", "flops"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    def __str__(self):
        return self.table()
