"""summary: a table of a model's layers with output shapes and parameter counts, like torchinfo."""
from collections.abc import Sequence

import numpy as np

from ..autograd.creation import zeros
from ..autograd.mode import no_grad
from ..autograd.tensor import Tensor


class LayerRow:
    """One module call seen during the summary's forward pass."""
    __slots__ = ("name", "type_name", "depth", "output_shape", "params", "trainable", "recursive",
                 "has_children", "output_bytes")

    def __init__(self, name, type_name, depth):
        self.name = name
        self.type_name = type_name
        self.depth = depth
        self.output_shape = "--"
        self.params = 0           # own parameters not already counted on an earlier row
        self.trainable = 0
        self.recursive = False    # a second call of a module: its parameters were counted before
        self.has_children = False
        self.output_bytes = 0


class ModelSummary:
    """What `summary` found; `str()` (and `repr()`) give the table."""

    def __init__(self, model, rows, input_bytes):
        parameters = list(model.parameters())
        self.rows = rows
        self.total_params = sum(p._data.size for p in parameters)
        self.trainable_params = sum(p._data.size for p in parameters if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.params_bytes = sum(p._data.nbytes for p in parameters)
        self.buffers_bytes = sum(b._data.nbytes for b in model.buffers())
        self.input_bytes = input_bytes
        self.output_bytes = sum(row.output_bytes for row in rows if not row.has_children)
        self.total_bytes = self.params_bytes + self.buffers_bytes + self.input_bytes + self.output_bytes

    def table(self) -> str:
        header = ("Layer (type)", "Output shape", "Param #", "Trainable")
        body = []
        for row in self.rows:
            label = "  " * row.depth + (f"{row.name} ({row.type_name})" if row.name else row.type_name)
            if row.recursive:
                count, trainable = "(recursive)", ""
            elif row.params == 0 and row.has_children:
                count, trainable = "--", ""
            else:
                count = f"{row.params:,}"
                trainable = ("--" if row.params == 0 else "True" if row.trainable == row.params
                             else "False" if row.trainable == 0 else "Partial")
            body.append((label, row.output_shape, count, trainable))
        widths = [max(len(line[column]) for line in (header, *body)) for column in range(4)]

        def line(cells):
            return "  ".join(cell.rjust(width) if column == 2 else cell.ljust(width)
                             for column, (cell, width) in enumerate(zip(cells, widths))).rstrip()
        rule = "=" * len(line(header))
        return "\n".join([
            rule, line(header), rule, *(line(cells) for cells in body), rule,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            rule,
            f"Input size: {_size(self.input_bytes)}",
            f"Forward outputs size: {_size(self.output_bytes)}",
            f"Params size: {_size(self.params_bytes)}",
            f"Buffers size: {_size(self.buffers_bytes)}",
            f"Estimated total size: {_size(self.total_bytes)}",
            rule])

    def __str__(self):
        return self.table()

    __repr__ = __str__


def _size(count: int) -> str:
    """Bytes as `1,234 bytes (1.21 KB)`; KB and MB are powers of 1024."""
    if count < 1024:
        return f"{count:,} bytes"
    unit, scale = ("KB", 1024) if count < 1024 ** 2 else ("MB", 1024 ** 2)
    return f"{count:,} bytes ({count / scale:.2f} {unit})"


def _describe(output) -> tuple:
    """(shape text, bytes) of a module's output: a Tensor, or tuples/lists/dicts of them."""
    if isinstance(output, Tensor):
        return "[" + ", ".join(str(size) for size in output.shape) + "]", output._data.nbytes
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        parts = [_describe(item) for item in output]
        return "(" + ", ".join(text for text, _ in parts) + ")", sum(size for _, size in parts)
    return type(output).__name__, 0


def _inputs(input_size, dtype, input_data) -> tuple:
    if input_data is not None:
        inputs = input_data if isinstance(input_data, (tuple, list)) else (input_data,)
        for index, item in enumerate(inputs):
            if not isinstance(item, Tensor):
                raise TypeError(f"input_data[{index}] must be a Tensor, got {type(item).__name__}")
        return tuple(inputs)
    if input_size is None:
        raise ValueError("summary needs input_size (e.g. (1, 3, 32, 32), batch included) or input_data")
    sizes = [input_size] if all(isinstance(size, int) for size in input_size) else list(input_size)
    dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"got {len(dtypes)} dtypes for {len(sizes)} inputs {sizes}")
    inputs = []
    for size, input_dtype in zip(sizes, dtypes):
        if not isinstance(size, Sequence) or not all(isinstance(n, int) and n > 0 for n in size):
            raise ValueError(f"input_size must be a tuple of positive ints (batch included) or a list "
                             f"of them, got {input_size!r}")
        inputs.append(zeros(tuple(size), dtype=input_dtype))
    return tuple(inputs)


def summary(model, input_size=None, dtype=None, *, input_data=None, verbose: int = 1) -> ModelSummary:
    """Run `model` once on zeros of `input_size` (batch included) and tabulate its layers.

        needl.nn.summary(model, (1, 3, 32, 32))

    Each module call is a row with its output shape and the parameters it owns (counted once);
    totals: parameters (trainable or not) and sizes in bytes. Several inputs: a list of sizes
    (and of dtypes); integer inputs such as token ids: `dtype=needl.int64` or `input_data=`.
    The pass runs under no_grad in eval mode; every module's mode is restored afterwards.
    Prints the table when `verbose` is 1 (the default) and returns it as a ModelSummary.
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"summary expects an nn.Module, got {type(model).__name__}")
    inputs = _inputs(input_size, dtype, input_data)
    names = {id(module): name for name, module in model.named_modules()}
    rows, open_rows, counted_modules, counted_params, handles = [], [], set(), set(), []

    def before(module, args):
        row = LayerRow(names.get(id(module), "?"), type(module).__name__, len(open_rows))
        if open_rows:
            open_rows[-1].has_children = True
        if id(module) in counted_modules:
            row.recursive = True
        counted_modules.add(id(module))
        for param in module.parameters(recurse=False):
            if id(param) not in counted_params:
                counted_params.add(id(param))
                row.params += param._data.size
                row.trainable += param._data.size if param.requires_grad else 0
        rows.append(row)
        open_rows.append(row)

    def after(module, args, output):
        row = open_rows.pop()
        row.output_shape, row.output_bytes = _describe(output)

    modes = [(module, module.training) for _, module in model.named_modules()]
    try:
        for _, module in model.named_modules():
            handles.append(module.register_forward_pre_hook(before))
            handles.append(module.register_forward_hook(after))
        model.eval()
        with no_grad():
            model(*inputs)
    except Exception as error:
        shapes = ", ".join(f"{tuple(item.shape)} {np.dtype(item.dtype).name}" for item in inputs)
        error.add_note(f"(needl.nn.summary ran {type(model).__name__} on zeros: {shapes})")
        raise
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            object.__setattr__(module, "training", mode)
    result = ModelSummary(model, rows, sum(item._data.nbytes for item in inputs))
    if verbose:
        print(result)
    return result
