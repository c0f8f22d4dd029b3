"""Before a collective, the ranks check that they were all asked to do the same thing.

Each rank contributes one short row of integers (which operation, the root, the reduction, the
tensor's dtype and shape, whether its own arguments were valid) to an all-gather of 16 int64s,
the cost of one tiny message. A mismatch, such as tensors of different shapes or ranks calling
different collectives, becomes the same clear error on every rank instead of a hang or garbage.
"""
import numpy as np

from ..autograd import dtypes

OPERATIONS = ("all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
              "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
              "all_to_all_single", "barrier", "all_gather_object", "broadcast_object_list",
              "gather_object", "scatter_object_list")
_DTYPES = {dtype.num: dtype for dtype in dtypes.SUPPORTED}
_DIMS = 9  # shape entries kept; a longer shape folds its tail into the last one
WIDTH = 7 + _DIMS


def signature(operation: str, root: int = -1, reduce_op: int = -1, dtype=None, shape=None,
              invalid: bool = False) -> np.ndarray:
    """This rank's row: what it was asked to do (shape None: the ranks may differ in shape)."""
    row = np.full(WIDTH, -1, dtype=np.int64)
    row[:4] = OPERATIONS.index(operation), root, reduce_op, -1 if dtype is None else dtype.num
    row[5] = int(invalid)
    if shape is not None:
        dims = list(shape)
        if len(dims) > _DIMS:
            dims = dims[:_DIMS - 1] + [int(np.prod(dims[_DIMS - 1:]))]
        row[4] = len(shape)
        row[6] = int(np.prod(shape, dtype=np.int64))
        row[7:7 + len(dims)] = dims
    return row


def describe(row: np.ndarray, shape_known: bool = True) -> str:
    operation, root, reduce_op, dtype_number, ndim = (int(value) for value in row[:5])
    text = OPERATIONS[operation]
    if root >= 0:
        text += f"(root {root})"
    if reduce_op >= 0:
        from .reduce_op import ReduceOp
        text += f" with ReduceOp.{ReduceOp(reduce_op).name}"
    if dtype_number >= 0:
        dtype = _DTYPES.get(dtype_number, f"dtype #{dtype_number}")
        shape = tuple(int(d) for d in row[7:7 + min(ndim, _DIMS)]) if ndim >= 0 else None
        text += f" on a {dtype} tensor" + (f" of shape {shape}" if shape_known and shape is not None
                                          else "")
    return text


def check(comm, name: str, row: np.ndarray, local_error, ranks) -> None:
    """All-gather the rows and raise the same error on every rank if they disagree.

    `local_error`: this rank's own argument error (raised here, after the others were told);
    `ranks`: the global rank of each group rank, for the messages.
    """
    rows = np.empty((comm.Get_size(), WIDTH), dtype=np.int64)
    comm.Allgather(row, rows)
    invalid = np.flatnonzero(rows[:, 5])
    if local_error is not None:
        raise local_error
    if invalid.size:
        raise RuntimeError(f"{name}: rank {ranks[invalid[0]]} passed invalid arguments (its "
                           f"error says which); no rank ran the collective")
    shape_known = rows[0, 4] >= 0
    differ = np.flatnonzero((rows != rows[0]).any(axis=1))
    if differ.size:
        other = differ[0]
        raise RuntimeError(f"{name}: the ranks disagree: rank {ranks[0]} called "
                           f"{describe(rows[0], shape_known)} but rank {ranks[other]} called "
                           f"{describe(rows[other], shape_known)}")
