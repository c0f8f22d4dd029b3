"""Tensor.share_memory_ / is_shared and Module.share_memory: arrays moved in place into an
anonymous memory file that forked children write with the parent, freed with its last user."""
import gc
import os
import pickle

import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.multiprocessing.shared_memory import segment_of

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def run_forked(child) -> None:
    pid = os.fork()
    if pid == 0:
        try:
            child()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0


def test_share_memory_moves_the_array_in_place_and_keeps_the_tensor():
    tensor = needl.arange(6.0).reshape(2, 3).t()  # not contiguous
    values = tensor.numpy().copy()
    tensor.requires_grad_()
    tensor.grad = needl.ones(3, 2)
    grad = tensor.grad
    assert not tensor.is_shared()
    assert tensor.share_memory_() is tensor and tensor.is_shared()
    assert tensor.requires_grad and tensor.is_leaf and tensor.grad is grad
    assert not grad.is_shared()  # as in PyTorch, share_memory_ does not move .grad
    np.testing.assert_array_equal(tensor.detach().numpy(), values)
    assert tensor.dtype == needl.float32 and tensor.detach().numpy().flags.c_contiguous
    array = tensor.detach().numpy()
    assert tensor.share_memory_().detach().numpy() is array  # already shared: nothing moves


def test_views_of_a_shared_tensor_are_shared_views_of_the_old_array_are_not():
    tensor = needl.zeros(4)
    old_view = tensor[1:]
    tensor.share_memory_()
    assert tensor[1:].is_shared() and tensor.view(2, 2).is_shared()
    assert not old_view.is_shared()
    tensor[1:].fill_(5.0)
    np.testing.assert_array_equal(tensor.numpy(), [0, 5, 5, 5])
    np.testing.assert_array_equal(old_view.numpy(), [0, 0, 0])


def test_a_shared_view_stops_following_its_base():
    base = needl.zeros(4)
    view = base[2:]
    view.share_memory_()
    view.fill_(1.0)
    np.testing.assert_array_equal(base.numpy(), 0)
    assert view._version == 1 and base._version == 0


def test_non_leaf_tensors_empty_and_0d_tensors_and_integer_dtypes_share():
    leaf = needl.ones(3, requires_grad=True)
    result = leaf * 2
    function = result.grad_fn
    assert result.share_memory_().is_shared() and result.grad_fn is function  # as PyTorch allows
    result.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), 2)
    for tensor in (needl.zeros(0, 3), needl.tensor(2.5), needl.arange(5), needl.ones(2, dtype=needl.bool)):
        dtype, shape, values = tensor.dtype, tensor.shape, tensor.numpy().copy()
        assert tensor.share_memory_().is_shared()
        assert tensor.dtype == dtype and tensor.shape == shape
        np.testing.assert_array_equal(tensor.numpy(), values)


def test_plain_pickle_and_deepcopy_still_copy():
    tensor = needl.ones(3).share_memory_()
    copied = pickle.loads(pickle.dumps(tensor))
    assert not copied.is_shared()
    copied.fill_(2.0)
    np.testing.assert_array_equal(tensor.numpy(), 1)
    layer = nn.Linear(2, 2).share_memory()
    import copy
    assert not copy.deepcopy(layer).weight.is_shared()


def test_module_share_memory_keeps_the_parameters_and_uses_one_memory_file():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    parameters = list(model.parameters())
    values = [parameter.detach().numpy().copy() for parameter in parameters]
    model[0].weight.grad = needl.ones(4, 3)
    assert model.share_memory() is model
    assert list(model.parameters()) == parameters and all(p is q for p, q in zip(model.parameters(), parameters))
    tensors = parameters + list(model.buffers()) + [model[0].weight.grad]
    assert all(tensor.is_shared() for tensor in tensors)  # Module.share_memory also moves grads, as PyTorch's
    assert len({id(segment_of(tensor.detach().numpy())) for tensor in tensors}) == 1
    for parameter, value in zip(parameters, values):
        np.testing.assert_array_equal(parameter.detach().numpy(), value)
        assert parameter.requires_grad and isinstance(parameter, nn.Parameter)


def test_tied_weights_stay_tied():
    first, second = nn.Linear(3, 3), nn.Linear(3, 3)
    second.weight = first.weight
    model = nn.Sequential(first, second).share_memory()
    assert model[1].weight is model[0].weight and model[0].weight.is_shared()


@pytest.mark.parametrize("make", [
    lambda params: needl.optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: needl.optim.Adam(params, lr=0.1),
    lambda params: needl.optim.AdamW(params, lr=0.1, foreach=False)])
@pytest.mark.parametrize("before", [False, True])
def test_optimizers_update_shared_parameters_in_place(make, before):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    optimizer = make(model.parameters()) if before else None
    model.share_memory()
    optimizer = optimizer or make(model.parameters())
    arrays = [parameter.detach().numpy() for parameter in model.parameters()]
    for _ in range(2):
        optimizer.zero_grad()
        model(needl.randn(5, 3)).square().sum().backward()
        optimizer.step()
    assert all(parameter.detach().numpy() is array for parameter, array in zip(model.parameters(), arrays))
    assert all(parameter.is_shared() for parameter in model.parameters())


@needs_fork
def test_a_forked_child_and_the_parent_write_the_same_memory():
    model = nn.Linear(2, 2).share_memory()
    weight = model.weight
    optimizer = needl.optim.SGD(model.parameters(), lr=1.0)
    before = weight.detach().numpy().copy()

    def child():
        model.weight.grad = needl.ones(2, 2)
        model.bias.grad = needl.ones(2)
        optimizer.step()
    run_forked(child)
    np.testing.assert_array_equal(weight.detach().numpy(), before - 1)
    with needl.no_grad():
        weight.fill_(7.0)

    def check():
        assert (model.weight.detach().numpy() == 7.0).all() or os._exit(1)
    run_forked(check)


@needs_fork
def test_memory_files_close_with_their_last_tensor_and_nothing_is_left_in_dev_shm(memory_files):
    gc.collect()
    files, shm = memory_files(), set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    tensor = needl.ones(1000).share_memory_()
    model = nn.Linear(30, 30).share_memory()
    view = tensor[10:]
    assert memory_files() == files + 6  # per file: the descriptor kept, the mapping and its own descriptor
    run_forked(lambda: model.weight.detach().numpy().__setitem__(0, 1))
    del tensor
    assert memory_files() == files + 6  # the view keeps its file
    del view, model
    gc.collect()
    assert memory_files() == files
    if os.path.isdir("/dev/shm"):
        assert set(os.listdir("/dev/shm")) == shm
