"""Module: registration, traversal, modes, state_dict round trips and errors, dtype casts, hooks, repr."""
import copy

import numpy as np
import pytest

import needl
import needl.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.layers = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 2, bias=False)])
        self.scale = nn.Parameter(needl.ones(1))
        self.register_buffer("steps", needl.zeros(1))
        self.register_buffer("cache", needl.zeros(2), persistent=False)

    def forward(self, x):
        x = self.bn(self.fc(x)).relu()
        for layer in self.layers:
            x = layer(x)
        return x * self.scale


def test_registration_by_assignment_and_pytorch_names():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "bn.weight", "bn.bias", "layers.0.weight",
                     "layers.0.bias", "layers.1.weight"]
    assert [name for name, _ in block.named_buffers()] == [
        "steps", "cache", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert list(block.state_dict()) == [
        "scale", "steps", "fc.weight", "fc.bias", "bn.weight", "bn.bias", "bn.running_mean",
        "bn.running_var", "bn.num_batches_tracked", "layers.0.weight", "layers.0.bias", "layers.1.weight"]
    assert [name for name, _ in block.named_children()] == ["fc", "bn", "layers"]
    assert [name for name, _ in block.named_modules()] == ["", "fc", "bn", "layers", "layers.0", "layers.1"]
    assert len(list(block.parameters())) == 8 and len(list(block.modules())) == 6
    assert block.bn.num_batches_tracked.dtype == np.int64
    assert block.get_submodule("layers.1") is block.layers[1]
    assert block.get_parameter("layers.0.bias") is block.layers[0].bias


def test_sequential_keys_and_shared_parameters_counted_once():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    shared = nn.Sequential(model[0], model[0])
    assert len(list(shared.parameters())) == 2


def test_reassigning_and_deleting_attributes():
    module = nn.Linear(2, 2)
    module.bias = None
    assert module.bias is None and "bias" not in module.state_dict()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        module.weight = needl.zeros(2, 2)
    module.extra = nn.ReLU()
    assert "extra" in dict(module.named_children())
    del module.extra
    assert "extra" not in dict(module.named_children())
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        module.missing


def test_assignment_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_train_eval_and_zero_grad():
    block = Block()
    block.eval()
    assert not block.training and not block.layers[0].training
    block.train()
    assert all(module.training for module in block.modules())
    block(needl.randn(5, 4)).sum().backward()
    assert block.fc.weight.grad is not None
    block.zero_grad(set_to_none=False)
    assert np.all(block.fc.weight.grad.numpy() == 0)
    block.zero_grad()
    assert block.fc.weight.grad is None


def test_state_dict_round_trip_gives_same_outputs():
    source, target = Block(), Block()
    x = needl.randn(6, 4)
    source(x)  # moves the running statistics
    source.eval()
    target.eval()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert np.array_equal(source(x).detach().numpy(), target(x).detach().numpy())
    assert int(target.bn.num_batches_tracked.item()) == 1
    # the state_dict shares memory with the module but is cut from the tape
    state = source.state_dict()
    assert not state["fc.weight"].requires_grad
    assert np.shares_memory(state["fc.weight"].detach().numpy(), source.fc.weight.detach().numpy())


def test_load_state_dict_keeps_parameter_objects_and_casts_numpy_arrays():
    model = nn.Linear(3, 2)
    weight = model.weight
    state = {key: value.detach().numpy().astype(np.float64) + 1 for key, value in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.weight is weight and model.weight.dtype == np.float32
    np.testing.assert_allclose(model.weight.detach().numpy(), state["weight"].astype(np.float32))


def test_load_state_dict_strict_lists_every_problem_before_changing_anything():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    before = model.state_dict()["0.weight"].detach().numpy().copy()
    bad = {"0.weight": np.zeros((5, 3)), "0.bias": np.ones(2), "extra.weight": np.ones(1)}
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(bad)
    message = str(error.value)
    assert 'Missing key(s) in state_dict: "1.weight", "1.bias", "1.running_mean"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for 0.weight: copying a param with shape [5, 3] from checkpoint, " \
           "the shape in current model is [2, 3]" in message
    assert np.array_equal(model[0].weight.detach().numpy(), before)
    assert np.all(model[0].bias.detach().numpy() != 1)


def test_load_state_dict_non_strict_returns_missing_and_unexpected():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    result = model.load_state_dict({"0.bias": np.ones(2), "other": np.ones(1)}, strict=False)
    assert result.missing_keys == ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                   "1.num_batches_tracked"]
    assert result.unexpected_keys == ["other"]
    assert np.all(model[0].bias.detach().numpy() == 1)
    with pytest.raises(RuntimeError, match="size mismatch for 0.bias"):
        model.load_state_dict({"0.bias": np.ones(3)}, strict=False)


def test_float_double_to_cast_parameters_and_buffers_in_place():
    block = Block()
    weight = block.fc.weight
    block.double()
    assert block.fc.weight is weight and weight.dtype == np.float64
    assert block.bn.running_mean.dtype == np.float64
    assert block.bn.num_batches_tracked.dtype == np.int64
    block.to(needl.float32)
    assert weight.dtype == np.float32
    assert block.to("cpu") is block


def test_apply_visits_children_first():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    seen = []
    model.apply(lambda module: seen.append(type(module).__name__))
    assert seen == ["Linear", "Linear", "Sequential", "Sequential"]
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all(np.all(p.detach().numpy() == 0) for name, p in model.named_parameters() if name.endswith("weight"))


def test_forward_hooks_and_pre_hooks_with_handles():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    calls = []
    pre = model[0].register_forward_pre_hook(lambda module, args: calls.append(("pre", args[0].shape)))
    post = model[0].register_forward_hook(lambda module, args, output: calls.append(("post", output.shape)))
    model(needl.randn(4, 2))
    assert calls == [("pre", (4, 2)), ("post", (4, 3))]
    pre.remove()
    post.remove()
    model(needl.randn(4, 2))
    assert len(calls) == 2
    # a hook that returns a value replaces the input / output
    handle = model[1].register_forward_hook(lambda module, args, output: output * 0)
    assert np.all(model(needl.randn(4, 2)).detach().numpy() == 0)
    handle.remove()
    doubled = model[0].register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    x = needl.randn(4, 2)
    np.testing.assert_allclose(model[0](x).detach().numpy(), nn.functional.linear(x * 2, model[0].weight, model[0].bias).detach().numpy())
    doubled.remove()


def test_hooks_with_kwargs_and_global_hooks():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda module, args, kwargs, output: seen.append(kwargs), with_kwargs=True)
    layer(input=needl.randn(1, 2))
    assert seen == [{"input": seen[0]["input"]}]
    handle.remove()
    with nn.register_module_forward_hook(lambda module, args, output: seen.append(type(module).__name__)):
        nn.Sequential(layer)(needl.randn(1, 2))
    assert seen[1:] == ["Linear", "Sequential"]
    layer(needl.randn(1, 2))
    assert len(seen) == 3


def test_repr_prints_the_tree_like_pytorch():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 2, bias=False)))
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
                           "  (1): ReLU()\n"
                           "  (2): Sequential(\n"
                           "    (0): Linear(in_features=3, out_features=2, bias=False)\n"
                           "  )\n"
                           ")")
    assert repr(nn.Parameter(needl.zeros(2))).startswith("Parameter containing:\ntensor(")


def test_parameter_defaults():
    param = nn.Parameter(needl.zeros(2, 3))
    assert param.requires_grad and param.is_leaf and isinstance(param, needl.Tensor)
    assert not nn.Parameter(needl.zeros(1), requires_grad=False).requires_grad
    assert nn.Linear(2, 2).weight.dtype == np.float32


def test_deepcopy_gives_independent_parameters():
    model = nn.Sequential(nn.Linear(2, 2))
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, nn.Parameter)
    clone[0].weight.data[...] = 0
    assert not np.all(model[0].weight.detach().numpy() == 0)


def test_requires_grad_and_missing_forward():
    model = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(needl.zeros(1))


def test_to_a_gpu_device_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CPU only.*'cuda'"):
        nn.Linear(2, 2).to("cuda")
    assert nn.Linear(2, 2).to(device="cpu").weight.dtype == np.float32


def test_full_backward_hook_sees_and_replaces_grad_input():
    layer = nn.Linear(3, 2)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["input"] = grad_input[0].detach().numpy().copy()
        seen["output"] = grad_output[0].detach().numpy().copy()
        return (grad_input[0] * 0,)

    handle = layer.register_full_backward_hook(hook)
    x = needl.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(seen["output"], np.ones((4, 2)))
    np.testing.assert_allclose(seen["input"], np.ones((4, 2)) @ layer.weight.detach().numpy(), rtol=1e-6)
    assert np.all(x.grad.numpy() == 0) and layer.weight.grad is not None
    handle.remove()
    x.grad = None
    layer(x).sum().backward()
    assert np.any(x.grad.numpy() != 0)


def test_backward_pre_hook_replaces_grad_output_and_first_layer_hooks_get_none():
    model = nn.Sequential(nn.Linear(3, 2))
    model.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 2,))
    calls = []
    model[0].register_full_backward_hook(lambda module, grad_input, grad_output: calls.append(grad_input))
    model(needl.randn(4, 3)).sum().backward()  # the input needs no gradient
    assert calls == [(None,)]
    np.testing.assert_allclose(model[0].bias.grad.numpy(), [8.0, 8.0])
    with needl.no_grad():
        model(needl.randn(1, 3))  # hooks are inert without grad mode


def test_state_dict_round_trip_through_needl_save_and_load(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(32, 3))
    model(needl.randn(2, 1, 6, 6))
    path = tmp_path / "model.npz"
    needl.save(model.state_dict(), str(path))
    clone = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(32, 3))
    clone.load_state_dict(needl.load(str(path)))
    model.eval()
    clone.eval()
    x = needl.randn(2, 1, 6, 6)
    np.testing.assert_array_equal(model(x).detach().numpy(), clone(x).detach().numpy())
    assert clone[1].num_batches_tracked.item() == 1


def test_load_state_dict_rejects_values_that_are_not_arrays():
    with pytest.raises(RuntimeError, match='parameter named "bias", expected a Tensor or a NumPy array from '
                                           'checkpoint but received builtins.str'):
        nn.Linear(2, 2).load_state_dict({"weight": np.zeros((2, 2)), "bias": "zeros"})


def test_assigning_a_buffer_registers_it():
    class WithBuffers(nn.Module):
        def __init__(self):
            super().__init__()
            self.kept = nn.Buffer(needl.zeros(2))
            self.scratch = nn.Buffer(needl.ones(1), persistent=False)

    module = WithBuffers()
    assert [name for name, _ in module.named_buffers()] == ["kept", "scratch"]
    assert list(module.state_dict()) == ["kept"]
    assert type(module.kept) is needl.Tensor
