"""Tensors through needl.multiprocessing (Queue, spawn and forkserver arguments) arrive as views
of the sender's memory: Hogwild training, round trips without copies, clear refusals."""
import gc
import pickle
import sys
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import numpy as np
import pytest

import needl
import needl.multiprocessing as mp
import needl.nn as nn
from needl.multiprocessing.shared_memory import segment_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spawned import add_one_and_send_back, fill, hogwild_train  # noqa: E402  (importable by the children)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_hogwild_children_train_the_parents_model(start_method):
    context = mp.get_context(start_method)
    model = nn.Linear(2, 1).double()
    with needl.no_grad():  # whole numbers and halves: every order of the updates gives the same sum
        model.weight.fill_(1.0)
        model.bias.fill_(0.0)
    model.share_memory()
    steps = (3, 2)
    lock, barrier, results = context.Lock(), context.Barrier(len(steps)), context.Queue()
    processes = [context.Process(target=hogwild_train, args=(rank, model, count, lock, barrier, results))
                 for rank, count in enumerate(steps)]
    for process in processes:
        process.start()
    seen = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    # SGD, lr 0.5, on sum(w x + b) with x = rank + 1: each step takes 0.5 (rank + 1) from w, 0.5 from b
    expected_weight = 1.0 - 0.5 * sum(count * (rank + 1) for rank, count in enumerate(steps))
    np.testing.assert_array_equal(model.weight.detach().numpy(), [[expected_weight] * 2])
    np.testing.assert_array_equal(model.bias.detach().numpy(), [-0.5 * sum(steps)])
    for _, weight, bias, shared in seen:
        assert shared
        np.testing.assert_array_equal(weight, model.weight.detach().numpy())
        np.testing.assert_array_equal(bias, model.bias.detach().numpy())


def test_a_queue_round_trip_shares_memory_both_ways():
    context = mp.get_context("spawn")
    inbox, outbox, done = context.Queue(), context.Queue(), context.Event()
    tensor = needl.zeros(2, 3)
    column = needl.arange(12.0).reshape(3, 4).share_memory_()[:, 1]  # strided view at an offset
    process = context.Process(target=add_one_and_send_back, args=(inbox, outbox, done))
    process.start()
    inbox.put([tensor, column])
    (back_tensor, back_column), shared = outbox.get(timeout=60)
    done.set()
    process.join(60)
    assert process.exitcode == 0 and shared == [True, True]
    assert tensor.is_shared()  # put in a Queue: moved to shared memory first, as in PyTorch
    np.testing.assert_array_equal(tensor.numpy(), 1)  # written by the receiver
    np.testing.assert_array_equal(column.numpy(), [2, 6, 10])
    # what comes back is mapped onto the sender's own mapping, not a second one
    assert segment_of(back_tensor.numpy()) is segment_of(tensor.numpy())
    assert np.shares_memory(back_column.numpy(), column.numpy())
    assert back_column.shape == (3,) and back_column.stride() == column.stride()


def test_forkserver_children_receive_views_of_the_parents_memory():
    context = mp.get_context("forkserver")
    tensor = needl.zeros(6)
    halves = tensor.share_memory_().view(2, 3)
    processes = [context.Process(target=fill, args=(halves[index], float(index + 1))) for index in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    np.testing.assert_array_equal(tensor.numpy(), [1, 1, 1, 2, 2, 2])


def test_every_tensor_of_a_message_on_one_file_costs_one_descriptor():
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3)).share_memory()
    received = ForkingPickler.loads(ForkingPickler.dumps(list(model.parameters())))
    assert len({id(segment_of(parameter.detach().numpy())) for parameter in received}) == 1
    assert all(type(parameter) is nn.Parameter and parameter.requires_grad for parameter in received)
    assert received[0].grad is None


def test_a_non_leaf_that_requires_grad_is_refused_before_anything_moves():
    result = needl.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="non-leaf tensor which requires_grad.*detach"):
        ForkingPickler.dumps(result)
    assert not result.is_shared()
    assert ForkingPickler.loads(ForkingPickler.dumps(result.detach())).is_shared()


def test_plain_pickle_of_a_shared_tensor_is_a_copy():
    tensor = needl.ones(3).share_memory_()
    assert not pickle.loads(pickle.dumps(tensor)).is_shared()


def test_received_memory_is_released_with_the_last_tensor(memory_files):
    gc.collect()
    files = memory_files()
    tensor = needl.ones(100).share_memory_()
    received = ForkingPickler.loads(ForkingPickler.dumps(tensor))
    assert np.shares_memory(received.numpy(), tensor.numpy())
    del tensor, received
    gc.collect()
    assert memory_files() == files


def test_sharing_strategies_are_pytorchs_names():
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    previous = mp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy(previous)
    with pytest.raises(ValueError, match="unknown sharing strategy"):
        mp.set_sharing_strategy("shm")
