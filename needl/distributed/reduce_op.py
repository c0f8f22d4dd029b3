"""ReduceOp: how all_reduce, reduce and reduce_scatter combine the ranks' tensors."""
import enum

import numpy as np


class ReduceOp(enum.IntEnum):
    """PyTorch's reduction operations (same names and numbers as torch.distributed.ReduceOp)."""
    SUM = 0
    AVG = 1  # MPI has no average: a SUM, then a division by the group's size
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


reduce_op = ReduceOp  # the deprecated lower-case alias old programs use (dist.reduce_op.SUM)

_MPI_NAMES = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD",
              ReduceOp.MIN: "MIN", ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND",
              ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR"}
# bool tensors travel as bytes 0/1: a sum of booleans is their OR, a product their AND
_BOOL_NAMES = {ReduceOp.SUM: "MAX", ReduceOp.MAX: "MAX", ReduceOp.BOR: "MAX",
               ReduceOp.PRODUCT: "MIN", ReduceOp.MIN: "MIN", ReduceOp.BAND: "MIN",
               ReduceOp.BXOR: "BXOR"}


def as_reduce_op(op) -> ReduceOp:
    try:
        return ReduceOp(op)
    except ValueError:
        raise ValueError(f"unknown reduce op {op!r}; use one of "
                         f"{', '.join('ReduceOp.' + o.name for o in ReduceOp)}") from None


def check_reduce_op(op: ReduceOp, dtype: np.dtype) -> None:
    """Refuse reductions that have no meaning for `dtype` (before any rank starts the collective)."""
    if op == ReduceOp.AVG and dtype.kind != "f":
        raise TypeError(f"ReduceOp.AVG needs a floating point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind == "f":
        raise TypeError(f"ReduceOp.{op.name} needs an integer or bool tensor, got {dtype}")


def mpi_op(MPI, op: ReduceOp, dtype: np.dtype):
    """The MPI.Op that performs `op` on arrays of `dtype` (bool arrays go as uint8)."""
    names = _BOOL_NAMES if dtype == np.bool_ else _MPI_NAMES
    return getattr(MPI, names[op])
