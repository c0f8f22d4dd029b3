"""Module behaviour PyTorch programs rely on: child order on re-assignment, to()/cuda(), device= and
dtype= keywords, share_memory, to_empty, state-dict hooks, extra state, set_submodule."""
import os

import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd.hooks import RemovableHandle
from needl.device import device


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(1, 1)
        self.b = nn.ReLU()


def test_reassigning_a_child_keeps_its_place():
    net = Net()
    net.a = nn.Linear(2, 2)
    assert [name for name, _ in net.named_children()] == ["a", "b"]
    assert list(net.state_dict()) == ["a.weight", "a.bias"]
    assert nn.Sequential(*list(net.children())[:-1])[0] is net.a


def test_reassigning_parameters_and_buffers_keeps_their_place():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(needl.zeros(3, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]
    norm = nn.BatchNorm1d(2)
    norm.running_mean = needl.ones(2)
    assert list(norm.state_dict())[2] == "running_mean"


def test_module_uses_the_engines_removable_handle():
    handle = nn.Linear(1, 1).register_forward_hook(lambda *args: None)
    assert isinstance(handle, RemovableHandle)


def test_to_device_dtype_and_tensor():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    assert layer.to("cpu") is layer and layer.to(device("cpu"), non_blocking=True) is layer
    layer.to(needl.float64)
    assert layer.weight is weight and layer.weight.dtype == np.float64
    layer.to("cpu", needl.float32)
    assert layer.weight.dtype == np.float32
    layer.to(needl.zeros(1, dtype=needl.float64))
    assert layer.bias.dtype == np.float64
    layer.to(device="cpu", dtype=needl.float32)
    assert layer.bias.dtype == np.float32
    for call in (lambda: layer.to("cuda"), lambda: layer.cuda(), lambda: layer.to(device="mps"),
                 lambda: layer.xpu()):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()
    with pytest.raises(TypeError, match="bfloat16"):
        layer.bfloat16()


@pytest.mark.parametrize("build", [
    lambda **kw: nn.Linear(2, 3, **kw), lambda **kw: nn.LayerNorm(4, **kw), lambda **kw: nn.LSTM(2, 3, **kw),
    lambda **kw: nn.Embedding(5, 2, **kw), lambda **kw: nn.MultiheadAttention(4, 2, **kw),
    lambda **kw: nn.TransformerEncoderLayer(4, 2, 8, **kw), lambda **kw: nn.BatchNorm2d(3, **kw),
    lambda **kw: nn.PReLU(**kw), lambda **kw: nn.GRUCell(2, 3, **kw), lambda **kw: nn.Bilinear(2, 2, 3, **kw),
])
def test_factory_keywords(build):
    module = build(device="cpu", dtype=needl.float64)
    assert all(p.dtype == np.float64 for p in module.parameters())
    assert build(device=device("cpu")) is not None
    with pytest.raises(RuntimeError, match="CPU only"):
        build(device="cuda")


def test_share_memory_is_seen_by_a_forked_child():
    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    layer = nn.Linear(2, 2)
    weight = layer.weight
    assert layer.share_memory() is layer and layer.weight is weight
    pid = os.fork()
    if pid == 0:  # the child writes; the parent must see it
        layer.weight._data[...] = 3.0
        os._exit(0)
    os.waitpid(pid, 0)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), 3.0)


def test_to_empty_keeps_shapes_and_parameters():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    layer.to_empty(device="cpu")
    assert layer.weight is weight and layer.weight.shape == (3, 2)


def test_state_dict_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    layer.register_state_dict_pre_hook(lambda module, prefix, keep_vars: calls.append(("pre", prefix)))
    layer.register_state_dict_post_hook(lambda module, sd, prefix, meta: calls.append(("post", list(sd))))
    layer.state_dict()
    assert calls == [("pre", ""), ("post", ["weight", "bias"])]

    def rename(module, state_dict, prefix, meta, strict, missing, unexpected, errors):
        if prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")

    target = nn.Sequential(nn.Linear(2, 2))
    target[0].register_load_state_dict_pre_hook(rename)
    target.load_state_dict({"0.w": needl.ones(2, 2), "0.bias": needl.zeros(2)})
    np.testing.assert_array_equal(target[0].weight.detach().numpy(), 1)

    def forgive(module, keys):
        keys.missing_keys.clear()

    layer = nn.Linear(2, 2)
    layer.register_load_state_dict_post_hook(forgive)
    result = layer.load_state_dict({"weight": needl.ones(2, 2)})
    assert result.missing_keys == [] and np.all(layer.weight.detach().numpy() == 1)


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.count = 0

    def get_extra_state(self):
        return {"count": self.count}

    def set_extra_state(self, state):
        self.count = state["count"]


def test_extra_state_round_trip():
    source = nn.Sequential(Counter())
    source[0].count = 5
    state = source.state_dict()
    assert state["0._extra_state"] == {"count": 5}
    target = nn.Sequential(Counter())
    target.load_state_dict(state)
    assert target[0].count == 5
    with pytest.raises(RuntimeError, match='Missing key.*"0._extra_state"'):
        target.load_state_dict({})


def test_set_submodule_and_backward_hook_alias():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    net.set_submodule("1.0", nn.Tanh())
    assert isinstance(net[1][0], nn.Tanh)
    with pytest.raises(AttributeError):
        net.set_submodule("1.5", nn.Tanh(), strict=True)
    seen = []
    net[0].register_backward_hook(lambda module, grad_input, grad_output: seen.append(len(grad_output)))
    net(needl.randn(3, 2, requires_grad=True)).sum().backward()
    assert seen == [1]
    assert net.compile() is None
