"""Checks of needl.distributed's collectives against NumPy's answers (run by mpi_checks.py).

Each rank's input is `data(rank, ...)`, so every rank can compute what all ranks hold and so
the expected result, with NumPy.
"""
import os

import numpy as np

import needl
import needl.distributed as dist
from needl.distributed import ReduceOp

FLOATS = (np.float32, np.float64)
NUMPY_REDUCE = {ReduceOp.SUM: np.sum, ReduceOp.AVG: np.mean, ReduceOp.PRODUCT: np.prod,
                ReduceOp.MIN: np.min, ReduceOp.MAX: np.max}


def data(rank: int, shape=(3, 4), dtype=np.float64, salt: int = 0) -> np.ndarray:
    rng = np.random.default_rng(1000 * salt + rank)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(1, 5, shape).astype(dtype)
    if np.dtype(dtype) == np.bool_:
        return rng.random(shape) < 0.5
    return (rng.standard_normal(shape) + 2).astype(dtype)


def everyone(size: int, **kwargs) -> np.ndarray:
    return np.stack([data(rank, **kwargs) for rank in range(size)])


def close(actual, expected, dtype=np.float64) -> None:
    tolerance = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-6}.get(np.dtype(dtype), 1e-12)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tolerance, atol=tolerance)


def expect_error(kind, words, call) -> str:
    try:
        call()
    except kind as error:
        for word in words:
            assert word in str(error), f"{word!r} not in {error}"
        return str(error)
    raise AssertionError(f"expected {kind.__name__}")


# ---- the process group --------------------------------------------------------------------
def check_rank_size_and_environment(rank, size):
    assert dist.is_available() and dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size()) == (rank, 2)
    assert dist.get_backend() == "mpi"
    assert os.environ["RANK"] == str(rank) and os.environ["WORLD_SIZE"] == "2"
    assert os.environ["LOCAL_RANK"] == str(rank) and os.environ["LOCAL_WORLD_SIZE"] == "2"
    assert dist.get_process_group_ranks(dist.group.WORLD) == [0, 1]
    assert dist.GroupMember.WORLD is dist.group.WORLD


def check_all_reduce_every_op_and_dtype(rank, size):
    for op, reference in NUMPY_REDUCE.items():
        for dtype in FLOATS + (np.int64, np.int32):
            if op == ReduceOp.AVG and np.dtype(dtype).kind != "f":
                continue
            for shape in ((3, 4), (), (0, 2), (5,)):
                tensor = needl.tensor(data(rank, shape, dtype))
                dist.all_reduce(tensor, op=op)
                expected = reference(everyone(size, shape=shape, dtype=dtype), axis=0)
                assert tensor.dtype == dtype, (op, dtype, tensor.dtype)
                close(tensor.numpy(), expected.astype(dtype), dtype)


def check_all_reduce_writes_in_place_without_copy_and_counts_a_version(rank, size):
    tensor = needl.tensor(data(rank))
    array, version = tensor._data, tensor._version
    dist.all_reduce(tensor)
    assert tensor._data is array and tensor._version == version + 1
    close(array, everyone(size).sum(0))


def check_all_reduce_non_contiguous_float16_bool_and_bitwise(rank, size):
    base = needl.tensor(data(rank, (4, 6)))
    view = base[:, ::2]  # a strided view: reduced through a copy, written back into the base
    dist.all_reduce(view)
    close(base.numpy()[:, ::2], everyone(size, shape=(4, 6)).sum(0)[:, ::2])
    close(base.numpy()[:, 1::2], data(rank, (4, 6))[:, 1::2])
    half = needl.tensor(data(rank, (5,), np.float16))
    dist.all_reduce(half)
    assert half.dtype == np.float16
    close(half.numpy(), everyone(size, shape=(5,), dtype=np.float16).astype(np.float32).sum(0), np.float16)
    flags = needl.tensor(data(rank, (8,), np.bool_))
    dist.all_reduce(flags, op=ReduceOp.MAX)
    np.testing.assert_array_equal(flags.numpy(), everyone(size, shape=(8,), dtype=np.bool_).any(0))
    for op, reference in ((ReduceOp.BAND, np.bitwise_and), (ReduceOp.BOR, np.bitwise_or),
                          (ReduceOp.BXOR, np.bitwise_xor)):
        integers = needl.tensor(data(rank, (6,), np.int64, salt=3) * 7)
        dist.all_reduce(integers, op=op)
        np.testing.assert_array_equal(integers.numpy(),
                                      reference.reduce(everyone(size, shape=(6,), dtype=np.int64, salt=3) * 7))


def check_all_reduce_async_returns_a_work(rank, size):
    tensors = [needl.tensor(data(rank, (1000,), salt=i)) for i in range(4)]
    works = [dist.all_reduce(t, async_op=True) for t in tensors]
    assert all(isinstance(work, dist.Work) for work in works)
    for i, (work, tensor) in enumerate(zip(works, tensors)):
        assert work.wait() is True and work.is_completed() and work.is_success()
        assert work.result() == [tensor]
        close(tensor.numpy(), everyone(size, shape=(1000,), salt=i).sum(0))
    assert dist.all_reduce(needl.ones(2)) is None


def check_broadcast_from_each_rank(rank, size):
    for src in range(size):
        tensor = needl.tensor(data(rank, (2, 3), np.float32))
        dist.broadcast(tensor, src=src)
        close(tensor.numpy(), data(src, (2, 3), np.float32), np.float32)
    tensor = needl.tensor(data(rank))
    dist.broadcast(tensor, group_src=1)
    close(tensor.numpy(), data(1))


def check_reduce_to_one_rank(rank, size):
    for dst in range(size):
        tensor = needl.tensor(data(rank))
        dist.reduce(tensor, dst=dst, op=ReduceOp.MAX)
        close(tensor.numpy(), everyone(size).max(0) if rank == dst else data(rank))


def check_all_gather_and_all_gather_into_tensor(rank, size):
    outputs = [needl.zeros(3, 4, dtype=needl.float64) for _ in range(size)]
    dist.all_gather(outputs, needl.tensor(data(rank)))
    for r, output in enumerate(outputs):
        close(output.numpy(), data(r))
    concatenated = needl.zeros(size * 3, 4, dtype=needl.float64)
    dist.all_gather_into_tensor(concatenated, needl.tensor(data(rank)))
    close(concatenated.numpy(), np.concatenate(list(everyone(size))))
    stacked = needl.zeros(size, 3, 4, dtype=needl.float64)
    dist.all_gather_into_tensor(stacked, needl.tensor(data(rank)))
    close(stacked.numpy(), everyone(size))


def check_reduce_scatter_and_reduce_scatter_tensor(rank, size):
    inputs = [needl.tensor(data(rank, salt=part)) for part in range(size)]
    output = needl.zeros(3, 4, dtype=needl.float64)
    dist.reduce_scatter(output, inputs)
    close(output.numpy(), everyone(size, salt=rank).sum(0))
    whole = needl.tensor(data(rank, (size * 3, 4)))
    output = needl.zeros(3, 4, dtype=needl.float64)
    dist.reduce_scatter_tensor(output, whole, op=ReduceOp.AVG)
    close(output.numpy(), everyone(size, shape=(size * 3, 4)).mean(0)[rank * 3:(rank + 1) * 3])


def check_gather_and_scatter(rank, size):
    targets = [needl.zeros(3, 4, dtype=needl.float64) for _ in range(size)] if rank == 1 else None
    dist.gather(needl.tensor(data(rank)), targets, dst=1)
    if rank == 1:
        for r, target in enumerate(targets):
            close(target.numpy(), data(r))
    output = needl.zeros(3, 4, dtype=needl.float64)
    sources = [needl.tensor(data(r, salt=9)) for r in range(size)] if rank == 0 else None
    dist.scatter(output, sources, src=0)
    close(output.numpy(), data(rank, salt=9))


def check_all_to_all_even_and_uneven(rank, size):
    send = needl.tensor(data(rank, (size * 2, 3)))
    received = needl.zeros(size * 2, 3, dtype=needl.float64)
    dist.all_to_all_single(received, send)
    close(received.numpy(), np.concatenate([data(r, (size * 2, 3))[rank * 2:rank * 2 + 2]
                                            for r in range(size)]))
    # rank r sends r + 1 + j rows to rank j
    splits = [rank + 1 + j for j in range(size)]
    incoming = [r + 1 + rank for r in range(size)]
    send = needl.tensor(data(rank, (sum(splits), 2)))
    received = needl.zeros(sum(incoming), 2, dtype=needl.float64)
    dist.all_to_all_single(received, send, incoming, splits)
    expected = []
    for r in range(size):
        rows = data(r, (sum(r + 1 + j for j in range(size)), 2))
        start = sum(r + 1 + j for j in range(rank))
        expected.append(rows[start:start + r + 1 + rank])
    close(received.numpy(), np.concatenate(expected))
    outputs = [needl.zeros(2, dtype=needl.float64) for _ in range(size)]
    dist.all_to_all(outputs, [needl.tensor(data(rank, (2,), salt=j)) for j in range(size)])
    for r, output in enumerate(outputs):
        close(output.numpy(), data(r, (2,), salt=rank))


def check_send_recv_and_exchange_without_deadlock(rank, size):
    peer = 1 - rank
    if rank == 0:
        dist.send(needl.tensor(data(0)), dst=1, tag=3)
    else:
        tensor = needl.zeros(3, 4, dtype=needl.float64)
        assert dist.recv(tensor, src=0, tag=3) == 0
        close(tensor.numpy(), data(0))
    # both ranks send a large message to each other at once: non-blocking, no deadlock
    big = needl.tensor(data(rank, (500_000,)))
    received = needl.zeros(500_000, dtype=needl.float64)
    send_work = dist.isend(big, dst=peer)
    receive_work = dist.irecv(received)  # from any rank
    receive_work.wait()
    send_work.wait()
    assert receive_work.source_rank() == peer
    close(received.numpy(), data(peer, (500_000,)))
    ops = [dist.P2POp(dist.isend, needl.tensor(data(rank, (3,))), peer),
           dist.P2POp(dist.irecv, received[:3], peer)]
    for work in dist.batch_isend_irecv(ops):
        work.wait()
    close(received.numpy()[:3], data(peer, (3,)))


def check_recv_with_the_wrong_size_is_an_error(rank, size):
    if rank == 0:
        dist.send(needl.ones(5), dst=1)
    else:
        expect_error(RuntimeError, ["rank 0 sent 20 bytes", "(8,)"], lambda: dist.recv(needl.zeros(8), src=0))


def check_object_collectives_as_json(rank, size):
    mine = {"rank": rank, "loss": 0.5 + rank, "tags": ["a", None, True], "nested": {"x": [1, 2.5]}}
    gathered = [None] * size
    dist.all_gather_object(gathered, mine)
    assert gathered == [{"rank": r, "loss": 0.5 + r, "tags": ["a", None, True],
                         "nested": {"x": [1, 2.5]}} for r in range(size)]
    objects = [{"config": rank}, "text", 3] if rank == 1 else [None, None, None]
    dist.broadcast_object_list(objects, src=1)
    assert objects == [{"config": 1}, "text", 3]
    collected = [None] * size if rank == 0 else None
    dist.gather_object([rank, "x"], collected, dst=0)
    if rank == 0:
        assert collected == [[r, "x"] for r in range(size)]
    output = [None]
    dist.scatter_object_list(output, [{"for": r} for r in range(size)] if rank == 0 else None, src=0)
    assert output == [{"for": rank}]


def check_objects_json_cannot_hold_are_refused_on_their_rank_and_others_told(rank, size):
    gathered = [None] * size
    if rank == 1:
        expect_error(TypeError, ["tuple", "JSON"], lambda: dist.all_gather_object(gathered, (1, 2)))
        expect_error(TypeError, ["Tensor"], lambda: dist.all_gather_object(gathered, needl.ones(2)))
        expect_error(TypeError, ["int key"], lambda: dist.all_gather_object(gathered, {1: 2}))
    else:
        for _ in range(3):
            expect_error(RuntimeError, ["rank 1 passed invalid arguments"],
                         lambda: dist.all_gather_object(gathered, 1))
    dist.all_gather_object(gathered, rank)  # the group is still usable
    assert gathered == list(range(size))


def check_mismatched_shapes_dtypes_ops_and_roots_are_reported_on_every_rank(rank, size):
    message = expect_error(RuntimeError, ["all_reduce", "disagree", "rank 0", "(3,)", "rank 1", "(4,)"],
                           lambda: dist.all_reduce(needl.ones(3 + rank)))
    assert "float32" in message
    expect_error(RuntimeError, ["float32", "float64"],
                 lambda: dist.all_reduce(needl.ones(3, dtype=needl.float32 if rank else needl.float64)))
    expect_error(RuntimeError, ["rank 0 called all_reduce", "rank 1 called broadcast"],
                 lambda: dist.all_reduce(needl.ones(3)) if rank == 0 else dist.broadcast(needl.ones(3), 0))
    expect_error(RuntimeError, ["root 0", "root 1"], lambda: dist.broadcast(needl.ones(2), src=rank))
    expect_error(RuntimeError, ["ReduceOp.SUM", "ReduceOp.MAX"],
                 lambda: dist.all_reduce(needl.ones(2), op=ReduceOp.MAX if rank else ReduceOp.SUM))
    expect_error(RuntimeError, ["all_gather", "(2, 2)", "(2, 3)"],
                 lambda: dist.all_gather([needl.ones(2, 2 + rank) for _ in range(size)], needl.ones(2, 2 + rank)))
    tensor = needl.tensor(data(rank))
    dist.all_reduce(tensor)  # nothing ran, and the group still works
    close(tensor.numpy(), everyone(size).sum(0))


def check_invalid_arguments_on_one_rank_do_not_hang_the_others(rank, size):
    if rank == 0:
        expect_error(ValueError, ["tensor_list must be a list of 2 tensors"],
                     lambda: dist.all_gather([needl.ones(2)], needl.ones(2)))
        expect_error(TypeError, ["AVG needs a floating point tensor"],
                     lambda: dist.all_reduce(needl.ones(2, dtype=needl.int64), op=ReduceOp.AVG))
    else:
        for _ in range(2):
            expect_error(RuntimeError, ["rank 0 passed invalid arguments"],
                         lambda: dist.all_gather([needl.ones(2)] * size, needl.ones(2)))
    expect_error(ValueError, ["gather_list", "must NOT be specified"],
                 lambda: dist.gather(needl.ones(2), [needl.ones(2)] * size, dst=1 - rank))
    expect_error(ValueError, ["src=5 is not in the group"], lambda: dist.broadcast(needl.ones(2), src=5))


def check_new_group_and_non_members(rank, size):
    solo = dist.new_group([1])
    if rank == 1:
        assert isinstance(solo, dist.ProcessGroup) and dist.get_world_size(solo) == 1
        tensor = needl.ones(3)
        dist.all_reduce(tensor, group=solo)
        close(tensor.numpy(), np.ones(3), np.float32)
        assert dist.get_rank(solo) == 0 and dist.get_global_rank(solo, 0) == 1
    else:
        assert solo is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(solo) == -1
        assert dist.all_reduce(needl.ones(3), group=solo) is None
    both = dist.new_group()
    tensor = needl.tensor(data(rank))
    dist.all_reduce(tensor, group=both)
    close(tensor.numpy(), everyone(size).sum(0))
    dist.destroy_process_group(both)


def check_barriers(rank, size):
    dist.barrier()
    dist.barrier(timeout=10)
    dist.barrier(async_op=True).wait()
    dist.monitored_barrier(timeout=10)
