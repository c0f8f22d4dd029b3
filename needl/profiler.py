"""needl.profiler: per-op call counts, forward and backward time and bytes saved for backward.

    with needl.profiler.profile() as prof:
        loss = criterion(model(x), y)
        loss.backward()
    print(prof.key_averages().table(sort_by="total", row_limit=10))

While a `profile` block runs, `op.__call__`, `Function.apply` and the replay's `backward_node`
methods are swapped for timed versions at class level; on exit the originals are put back, so
a program that does not profile pays nothing. Nested calls (an op called inside another op's
forward or vjp) are counted in the outermost op's time, so the times of the table add up.
"""
import time

from .autograd import tape
from .autograd.function import Function, _FunctionBackward, op
from .viz.walk import format_bytes, saved_bytes

__all__ = ["profile", "OpStatistics", "KeyAverages"]

_clock = time.perf_counter_ns


class OpStatistics:
    """What one op type cost while profiling; times are in nanoseconds."""
    __slots__ = ("name", "count", "forward_ns", "backward_count", "backward_ns", "saved_bytes")

    def __init__(self, name: str):
        self.name = name
        self.count = 0              # forward calls
        self.forward_ns = 0
        self.backward_count = 0     # backward replays of its nodes
        self.backward_ns = 0
        self.saved_bytes = 0        # kept alive for backward by the nodes it recorded

    @property
    def forward_mean_ns(self) -> float:
        return self.forward_ns / self.count if self.count else 0.0

    @property
    def backward_mean_ns(self) -> float:
        return self.backward_ns / self.backward_count if self.backward_count else 0.0

    @property
    def total_ns(self) -> int:
        return self.forward_ns + self.backward_ns

    def __repr__(self):
        return (f"<OpStatistics {self.name}: {self.count} calls, forward {self.forward_ns} ns, "
                f"{self.backward_count} backward, {self.backward_ns} ns, {self.saved_bytes} B saved>")


_SORT_KEYS = {
    "total": lambda row: row.total_ns, "forward": lambda row: row.forward_ns,
    "backward": lambda row: row.backward_ns, "count": lambda row: row.count,
    "saved": lambda row: row.saved_bytes,
    # PyTorch's names for the same order
    "cpu_time_total": lambda row: row.total_ns, "self_cpu_time_total": lambda row: row.total_ns,
}


def format_time(nanoseconds: float) -> str:
    if nanoseconds < 1e6:
        return f"{nanoseconds / 1e3:.3f}us"
    if nanoseconds < 1e9:
        return f"{nanoseconds / 1e6:.3f}ms"
    return f"{nanoseconds / 1e9:.3f}s"


class KeyAverages(list):
    """The OpStatistics of one profile, one per op type; `table()` formats them."""

    def table(self, sort_by: str = "total", row_limit: int | None = None) -> str:
        """A text table sorted by `sort_by` ('total', 'forward', 'backward', 'count', 'saved')."""
        if sort_by not in _SORT_KEYS:
            raise ValueError(f"sort_by must be one of {', '.join(_SORT_KEYS)}, got {sort_by!r}")
        rows = sorted(self, key=_SORT_KEYS[sort_by], reverse=True)
        shown = rows if row_limit is None else rows[:row_limit]
        header = ("Name", "Calls", "Forward total", "Forward mean", "Backward calls",
                  "Backward total", "Backward mean", "Total", "Saved for backward")
        body = [(row.name, str(row.count), format_time(row.forward_ns), format_time(row.forward_mean_ns),
                 str(row.backward_count), format_time(row.backward_ns), format_time(row.backward_mean_ns),
                 format_time(row.total_ns), format_bytes(row.saved_bytes)) for row in shown]
        footer = ("Total", str(sum(row.count for row in rows)),
                  format_time(sum(row.forward_ns for row in rows)), "",
                  str(sum(row.backward_count for row in rows)),
                  format_time(sum(row.backward_ns for row in rows)), "",
                  format_time(sum(row.total_ns for row in rows)),
                  format_bytes(sum(row.saved_bytes for row in rows)))
        widths = [max(len(line[column]) for line in (header, *body, footer)) for column in range(len(header))]

        def line(cells):
            return "  ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                             for column, (cell, width) in enumerate(zip(cells, widths)))
        rule = "-" * len(line(header))
        lines = [rule, line(header), rule, *(line(cells) for cells in body)]
        if len(shown) < len(rows):
            lines.append(f"... {len(rows) - len(shown)} more op types (row_limit={row_limit})")
        lines += [rule, line(footer), rule]
        return "\n".join(lines)

    def __str__(self):
        return self.table()


class profile:
    """Context manager that times every op while the block runs (see the module docstring)."""
    _active = None

    def __init__(self):
        self.statistics = {}
        self.wall_ns = 0
        self._depth = 0
        self._originals = None

    # ---- the timed replacements ----------------------------------------------------------
    def _entry(self, name):
        entry = self.statistics.get(name)
        if entry is None:
            entry = self.statistics[name] = OpStatistics(name)
        return entry

    def _forward(self, name, call, args, options):
        """Run a forward at the outermost level, timed; count its node's saved bytes."""
        before = tape._sequence
        self._depth = 1
        try:
            start = _clock()
            output = call(*args, **options)
            elapsed = _clock() - start
        finally:
            self._depth = 0
        entry = self._entry(name)
        entry.count += 1
        entry.forward_ns += elapsed
        if tape._sequence != before:
            first = output[0] if type(output) is tuple and output else output
            node = getattr(first, "grad_fn", None)
            if node is not None and node.sequence > before:
                entry.saved_bytes += saved_bytes(node)
        return output

    def _backward(self, name, backward_node, node, grad, create_graph):
        self._depth = 1
        try:
            start = _clock()
            grads = backward_node(node, grad, create_graph)
            elapsed = _clock() - start
        finally:
            self._depth = 0
        entry = self._entry(name)
        entry.backward_count += 1
        entry.backward_ns += elapsed
        return grads

    def _install(self):
        call = op.__dict__["__call__"]
        op_backward = op.__dict__["backward_node"]
        apply = Function.__dict__["apply"]
        function_backward = _FunctionBackward.__dict__["backward_node"]
        self._originals = (call, op_backward, apply, function_backward)
        profiler = self

        def timed_call(self, *args, **options):
            if profiler._depth:
                return call(self, *args, **options)
            return profiler._forward(self.name, call, (self, *args), options)

        def timed_apply(cls, *args):
            if profiler._depth:
                return apply.__func__(cls, *args)
            return profiler._forward(cls.__name__, apply.__func__, (cls, *args), {})

        def timed_op_backward(self, node, grad, create_graph):
            if profiler._depth:
                return op_backward(self, node, grad, create_graph)
            return profiler._backward(self.name, op_backward.__get__(self), node, grad, create_graph)

        def timed_function_backward(self, node, grad, create_graph):
            if profiler._depth:
                return function_backward(self, node, grad, create_graph)
            return profiler._backward(self.name, function_backward.__get__(self), node, grad, create_graph)

        op.__call__ = timed_call
        op.backward_node = timed_op_backward
        Function.apply = classmethod(timed_apply)
        _FunctionBackward.backward_node = timed_function_backward

    def _restore(self):
        call, op_backward, apply, function_backward = self._originals
        op.__call__ = call
        op.backward_node = op_backward
        Function.apply = apply
        _FunctionBackward.backward_node = function_backward
        self._originals = None

    # ---- the context manager -------------------------------------------------------------
    def __enter__(self) -> "profile":
        if profile._active is not None:
            raise RuntimeError("a needl.profiler.profile block is already running; profiles cannot nest")
        profile._active = self
        self._install()
        self._start = _clock()
        return self

    def __exit__(self, *exc_info):
        self.wall_ns += _clock() - self._start
        self._restore()
        profile._active = None
        return False

    def key_averages(self) -> KeyAverages:
        """One OpStatistics per op type, the most expensive (forward + backward) first."""
        return KeyAverages(sorted(self.statistics.values(), key=_SORT_KEYS["total"], reverse=True))

    def table(self, sort_by: str = "total", row_limit: int | None = None) -> str:
        """The table of `key_averages()`, followed by the wall time of the block."""
        return (self.key_averages().table(sort_by, row_limit)
                + f"\nWall time of the profiled block: {format_time(self.wall_ns)}")

    def __str__(self):
        return self.table()
