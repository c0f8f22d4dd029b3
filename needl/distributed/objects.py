"""Collectives on small Python objects, sent as JSON (never pickle: nothing received runs code).

An object must be what JSON holds and gives back equal: None, bool, int, float, str, lists and
dicts with str keys, nested. Anything else (a tuple, a Tensor, a set...) is refused with the
path to it, on the rank that has it, and the others are told, so that no rank waits.
"""
import json
from typing import Any, List, Optional

import numpy as np

from .collectives import Plan, launch
from .mpi import buffer


def check_json(value: Any, path: str = "object") -> None:
    """Raise TypeError naming the first part of `value` that JSON cannot hold."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if type(value) is list:
        for index, item in enumerate(value):
            check_json(item, f"{path}[{index}]")
        return
    if type(value) is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} has the {type(key).__name__} key {key!r}: JSON object "
                                f"keys are strings")
            check_json(item, f"{path}[{key!r}]")
        return
    hint = " (use a list)" if isinstance(value, tuple) else (
        " (send tensors with the tensor collectives, or .tolist() them)" if hasattr(value, "shape") else "")
    raise TypeError(f"{path} is a {type(value).__name__}{hint}: needl.distributed sends objects as "
                    f"JSON, without pickle: None, bool, int, float, str, and lists and dicts "
                    f"(str keys) of them")


def encode(value: Any, path: str = "object") -> np.ndarray:
    check_json(value, path)
    return np.frombuffer(json.dumps(value, separators=(",", ":")).encode(), dtype=np.uint8)


def decode(data: np.ndarray) -> Any:
    return json.loads(data.tobytes().decode())


def _list_of(values, size: int, what: str) -> None:
    if not isinstance(values, list) or len(values) != size:
        got = f"{len(values)} entries" if isinstance(values, list) else type(values).__name__
        raise ValueError(f"{what} must be a list with one entry per rank ({size}), got {got}")


def _offsets(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


def all_gather_object(object_list: List[Any], obj: Any, group=None) -> None:
    """Every rank's `obj` into `object_list[rank]`, on every rank."""
    def prepare(group):
        _list_of(object_list, group.size(), "object_list")
        data = encode(obj, "obj")

        def run(comm):
            lengths = np.empty(comm.Get_size(), dtype=np.int64)
            comm.Allgather(np.array([data.size], dtype=np.int64), lengths)
            gathered = np.empty(int(lengths.sum()), dtype=np.uint8)
            comm.Allgatherv(data, [gathered, (lengths, _offsets(lengths))])
            for rank, (start, length) in enumerate(zip(_offsets(lengths), lengths)):
                object_list[rank] = decode(gathered[start:start + length])
        return Plan(run)
    launch("all_gather_object", group, False, prepare)


def broadcast_object_list(object_list: List[Any], src: Optional[int] = None, group=None,
                          device=None, group_src: Optional[int] = None) -> None:
    """Replace the entries of `object_list` by those of rank `src`, on every rank (same length)."""
    def prepare(group):
        root = group.group_rank(src, group_src, "src", default=0)
        if not isinstance(object_list, list):
            raise TypeError(f"object_list must be a list, got {type(object_list).__name__}")
        sends = group.rank() == root
        data = encode(object_list, "object_list") if sends else None

        def run(comm):
            length = np.array([data.size if sends else 0], dtype=np.int64)
            comm.Bcast(length, root)
            received = data if sends else np.empty(int(length[0]), dtype=np.uint8)
            comm.Bcast(buffer(received), root)
            if not sends:
                values = decode(received)
                if len(values) != len(object_list):
                    raise ValueError(f"broadcast_object_list: rank {group.ranks[root]} sent "
                                     f"{len(values)} objects, this rank's object_list has "
                                     f"{len(object_list)} entries")
                object_list[:] = values
        return Plan(run, root=root)
    launch("broadcast_object_list", group, False, prepare)


def gather_object(obj: Any, object_gather_list: Optional[List[Any]] = None,
                  dst: Optional[int] = None, group=None, group_dst: Optional[int] = None) -> None:
    """Every rank's `obj` into `object_gather_list` of rank `dst` (the others pass None)."""
    def prepare(group):
        root = group.group_rank(dst, group_dst, "dst", default=0)
        receives = group.rank() == root
        if receives:
            _list_of(object_gather_list, group.size(), "object_gather_list")
        data = encode(obj, "obj")

        def run(comm):
            lengths = np.empty(comm.Get_size(), dtype=np.int64)
            comm.Gather(np.array([data.size], dtype=np.int64), lengths, root)
            if not receives:
                comm.Gatherv(data, None, root)
                return
            gathered = np.empty(int(lengths.sum()), dtype=np.uint8)
            comm.Gatherv(data, [gathered, (lengths, _offsets(lengths))], root)
            for rank, (start, length) in enumerate(zip(_offsets(lengths), lengths)):
                object_gather_list[rank] = decode(gathered[start:start + length])
        return Plan(run, root=root)
    launch("gather_object", group, False, prepare)


def scatter_object_list(scatter_object_output_list: List[Any],
                        scatter_object_input_list: Optional[List[Any]] = None,
                        src: Optional[int] = None, group=None,
                        group_src: Optional[int] = None) -> None:
    """`scatter_object_input_list[i]` of rank `src` into `scatter_object_output_list[0]` of rank i."""
    def prepare(group):
        root = group.group_rank(src, group_src, "src", default=0)
        if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
            raise ValueError("scatter_object_output_list must be a non-empty list")
        sends = group.rank() == root
        if sends:
            _list_of(scatter_object_input_list, group.size(), "scatter_object_input_list")
            parts = [encode(value, f"scatter_object_input_list[{rank}]")
                     for rank, value in enumerate(scatter_object_input_list)]

        def run(comm):
            lengths = np.array([part.size for part in parts], dtype=np.int64) if sends else None
            length = np.empty(1, dtype=np.int64)
            comm.Scatter(lengths, length, root)
            received = np.empty(int(length[0]), dtype=np.uint8)
            send = [np.concatenate(parts), (lengths, _offsets(lengths))] if sends else None
            comm.Scatterv(send, received, root)
            scatter_object_output_list[0] = decode(received)
        return Plan(run, root=root)
    launch("scatter_object_list", group, False, prepare)
