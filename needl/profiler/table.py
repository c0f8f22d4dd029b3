"""The text table of key_averages(): PyTorch's columns, then needl's forward/backward split."""
import math

from ..viz.walk import format_bytes
from .statistics import format_time

_NEEDL_SORT_KEYS = {"total": "total_ns", "forward": "forward_ns", "backward": "backward_ns", "saved": "saved_bytes",
                    "count": "count"}
_TORCH_SORT_KEYS = ("cpu_time_total", "self_cpu_time_total", "cpu_time", "cpu_memory_usage",
                    "self_cpu_memory_usage", "flops", "device_time_total", "self_device_time_total", "device_time",
                    "device_memory_usage", "self_device_memory_usage")
_TIME_UNITS = {"s": 1e9, "ms": 1e6, "us": 1e3}
_FLOP_UNITS = ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs")


def sort_attribute(sort_by: str) -> str:
    """The row attribute a sort key orders by; CUDA/XPU keys are the (zero) device times."""
    if sort_by in _NEEDL_SORT_KEYS:
        return _NEEDL_SORT_KEYS[sort_by]
    attribute = sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
    if attribute not in _TORCH_SORT_KEYS:
        keys = ", ".join([*_NEEDL_SORT_KEYS, *_TORCH_SORT_KEYS, "cuda_time_total", "self_cuda_time_total"])
        raise ValueError(f"sort_by must be one of {keys}, got {sort_by!r}")
    return attribute


def format_table(rows, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
                 max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None) -> str:
    if time_unit is not None and time_unit not in _TIME_UNITS:
        raise ValueError(f"time_unit must be one of s, ms, us or None, got {time_unit!r}")
    ordered = list(rows)
    if sort_by is not None:
        attribute = sort_attribute(sort_by)
        ordered.sort(key=lambda row: getattr(row, attribute), reverse=True)
    if not ordered:
        return ""
    if top_level_events_only:
        ordered = [row for row in ordered if row.cpu_parent is None]
    shown = ordered if row_limit is None or row_limit < 0 else ordered[:row_limit]  # -1: all, as PyTorch

    def time(nanoseconds):
        return format_time(nanoseconds) if time_unit is None else \
            f"{nanoseconds / _TIME_UNITS[time_unit]:.3f}{time_unit}"

    self_total = sum(row.self_ns for row in rows)

    def share(nanoseconds):
        return f"{100 * nanoseconds / self_total:.2f}%" if self_total else "0.00%"

    def name(row):
        text = row.name
        if max_name_column_width is not None and len(text) >= max_name_column_width - 3:
            text = text[:max_name_column_width - 3] + "..."
        return text

    def needl_cell(format_value):  # forward/backward columns mean nothing for a range
        return lambda row: "-" if row.is_user_annotation else format_value(row)

    columns = [("Name", name), ("Self CPU %", lambda row: share(row.self_ns)),
               ("Self CPU", lambda row: time(row.self_ns)), ("CPU total %", lambda row: share(row.total_ns)),
               ("CPU total", lambda row: time(row.total_ns)), ("CPU time avg", lambda row: time(row.cpu_time * 1e3))]
    with_memory = any(row.cpu_memory_usage for row in rows)
    if with_memory:
        columns += [("CPU Mem", lambda row: format_bytes(row.cpu_memory_usage)),
                    ("Self CPU Mem", lambda row: format_bytes(row.self_cpu_memory_usage))]
    columns += [("# of Calls", lambda row: str(row.count)),
                ("Forward total", needl_cell(lambda row: time(row.forward_ns))),
                ("Backward calls", needl_cell(lambda row: str(row.backward_count))),
                ("Backward total", needl_cell(lambda row: time(row.backward_ns))),
                ("Saved for backward", needl_cell(lambda row: format_bytes(row.saved_bytes)))]
    if any(row.input_shapes for row in rows):
        columns.append(("Input Shapes", lambda row: str(row.input_shapes)[:max_shapes_column_width]))
    flops = [row.flops for row in rows if row.flops > 0]
    if flops:
        power = min(int(math.log10(min(flops)) // 3), len(_FLOP_UNITS) - 1)
        columns.append((f"Total {_FLOP_UNITS[power]}",
                        lambda row: f"{row.flops / 1000 ** power:.3f}" if row.flops > 0 else "--"))
    with_stack = any(row.stack for row in rows)
    if with_stack:
        columns.append(("Source Location", lambda row: _trim(row.stack[0], max_src_column_width) if row.stack else ""))

    body = [[cell(row) for _, cell in columns] for row in shown]
    total = ["Total", "100.00%" if self_total else "0.00%", time(self_total), "", "", ""]
    if with_memory:  # each byte counted once: in the event that returned it
        total += [format_bytes(sum(row.self_cpu_memory_usage for row in rows))] * 2
    operators = [row for row in rows if not row.is_user_annotation]
    total += [str(sum(row.count for row in rows)), time(sum(row.forward_ns for row in operators)),
              str(sum(row.backward_count for row in operators)), time(sum(row.backward_ns for row in operators)),
              format_bytes(sum(row.saved_bytes for row in operators))]
    total += [""] * (len(columns) - len(total))
    headers = [title for title, _ in columns]
    widths = [max(len(line[index]) for line in (headers, *body, total)) for index in range(len(columns))]
    if with_stack:
        widths[-1] = max(widths[-1], *(len(_trim(entry, max_src_column_width)) for row in shown for entry in row.stack))
    left = {0, len(columns) - 1} if with_stack else {0}

    def line(cells):
        return "  ".join(cell.ljust(width) if index in left else cell.rjust(width)
                         for index, (cell, width) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * width for width in widths)
    lines = []
    if header is not None:
        lines += ["=" * len(rule), header]
    if top_level_events_only:
        lines += ["=" * len(rule), "This report only display top-level ops statistics"]
    lines += [rule, line(headers), rule]
    for row, cells in zip(shown, body):
        lines.append(line(cells))
        if with_stack:
            lines += [line([""] * (len(columns) - 1) + [_trim(entry, max_src_column_width)]) for entry in row.stack[1:]]
    if len(shown) < len(ordered):
        lines.append(f"... {len(ordered) - len(shown)} more rows (row_limit={row_limit})")
    lines += [rule, line(total), rule, f"Self CPU time total: {time(self_total)}"]
    return "\n".join(lines)


def _trim(path: str, width) -> str:
    """Keep the end of a long source location, as PyTorch does: '...ages/pkg/file.py(12): f'."""
    if width is None or len(path) <= width:
        return path
    return "..." + path[len(path) - width + 3:]
