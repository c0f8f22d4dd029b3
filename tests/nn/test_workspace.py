"""The recurrent ops' Workspace: arrays come back only once nothing else refers to them."""
import numpy as np

import needl
from needl.nn.functional._workspace import Workspace


def test_a_free_array_is_handed_out_again():
    workspace = Workspace(capacity=1 << 20)
    first = workspace.empty((4, 3), np.float32)
    address = first.__array_interface__["data"][0]
    del first
    again = workspace.empty((4, 3), np.float32)
    assert again.__array_interface__["data"][0] == address
    assert again.shape == (4, 3) and again.dtype == np.float32 and again.flags.c_contiguous


def test_an_array_in_use_is_not_handed_out():
    workspace = Workspace(capacity=1 << 20)
    taken = workspace.empty((4, 3), np.float32)
    view = workspace.empty((5,), np.float64)[1:]  # a view keeps its base taken
    assert not np.shares_memory(workspace.empty((4, 3), np.float32), taken)
    assert not np.shares_memory(workspace.empty((5,), np.float64), view)
    tensor = needl.from_numpy(workspace.empty((2, 2), np.float32))
    assert not np.shares_memory(workspace.empty((2, 2), np.float32), tensor.numpy())


def test_shape_and_dtype_must_match():
    workspace = Workspace(capacity=1 << 20)
    del_me = workspace.empty((4, 3), np.float32)
    address = del_me.__array_interface__["data"][0]
    del del_me
    for shape, dtype in (((3, 4), np.float32), ((4, 3), np.float64)):
        other = workspace.empty(shape, dtype)
        assert other.shape == shape and other.dtype == dtype
        assert other.__array_interface__["data"][0] != address
        del other


def test_capacity_bounds_what_is_kept():
    workspace = Workspace(capacity=1000)
    big = workspace.empty((2000,), np.uint8)  # larger than the capacity: never kept
    assert big.shape == (2000,) and workspace._arrays == []
    for _ in range(5):
        workspace.empty((400,), np.uint8)  # freed at once: the same array each time
    kept = [workspace.empty((400,), np.uint8) for _ in range(4)]  # 1600 bytes asked, 800 kept
    assert sum(a.nbytes for a in workspace._arrays) <= 1000
    del kept
    workspace.clear()
    assert workspace._arrays == []


def test_lstm_training_steps_reuse_their_buffers_and_stay_correct():
    """Two identical steps give identical gradients although the second reuses the first's buffers,
    and a kept h_n (a copy) is not overwritten by the next call."""
    needl.manual_seed(0)
    lstm = needl.nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    x = needl.randn(6, 2, 3)
    results = []
    for _ in range(2):
        lstm.zero_grad()
        output, (h_n, c_n) = lstm(x)
        (output.sum() + h_n.sum()).backward()
        results.append((h_n.detach(), [p.grad.numpy().copy() for p in lstm.parameters()]))
    (first_h, first_grads), (second_h, second_grads) = results
    np.testing.assert_array_equal(first_h.numpy(), second_h.numpy())
    for a, b in zip(first_grads, second_grads):
        np.testing.assert_array_equal(a, b)
