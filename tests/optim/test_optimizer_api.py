"""The Optimizer API programs call: step and state_dict hooks, `required`, custom subclasses,
swap_in_optimizer_params_and_state, PyTorch's implementation switches."""
import copy

import numpy as np
import pytest

import needl
from needl import optim
from needl.optim.optimizer import (register_optimizer_step_post_hook,
                                   register_optimizer_step_pre_hook, required)


def one_param(value=1.0):
    param = needl.tensor([value], dtype=needl.float64, requires_grad=True)
    param.grad = needl.tensor([1.0], dtype=needl.float64)
    return param


def test_step_hooks_run_in_pytorchs_order_and_can_replace_the_arguments():
    param = one_param()
    optimizer = optim.SGD([param], lr=0.5)
    calls = []
    global_pre = register_optimizer_step_pre_hook(lambda opt, args, kwargs: calls.append("global pre"))
    global_post = register_optimizer_step_post_hook(lambda opt, args, kwargs: calls.append("global post"))

    def pre(opt, args, kwargs):
        calls.append(("pre", args[0] is opt, kwargs))
        return args, {"closure": lambda: 7.0}

    handle = optimizer.register_step_pre_hook(pre)
    optimizer.register_step_post_hook(
        lambda opt, args, kwargs: calls.append(("post", kwargs.get("closure", lambda: None)())))
    try:
        assert optimizer.step() == 7.0
    finally:
        global_pre.remove()
        global_post.remove()
    assert calls == ["global pre", ("pre", True, {}), ("post", 7.0), "global post"]
    handle.remove()
    calls.clear()
    optimizer.step()
    assert calls == [("post", None)]
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        optimizer.register_step_pre_hook(lambda opt, args, kwargs: 3)
        optimizer.step()


def test_a_subclass_step_calling_super_runs_the_hooks_once():
    class Clipped(optim.SGD):
        def step(self, closure=None):
            for group in self.param_groups:
                for param in group["params"]:
                    np.clip(param.grad._data, -0.1, 0.1, out=param.grad._data)
            return super().step(closure)

    param = one_param()
    optimizer = Clipped([param], lr=1.0)
    calls = []
    optimizer.register_step_pre_hook(lambda *args: calls.append("pre"))
    optimizer.step()
    assert calls == ["pre"]
    np.testing.assert_allclose(param.detach().numpy(), [0.9])


def test_a_custom_optimizer_written_for_pytorch_runs():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        @needl.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        param.add_(param.grad.sign(), alpha=-group["lr"])

    param = one_param()
    optimizer = SignSGD([param], lr=0.25)
    calls = []
    optimizer.register_step_post_hook(lambda *args: calls.append("post"))
    optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), [0.75])
    assert calls == ["post"]
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        SignSGD([one_param()])


def test_state_dict_and_load_hooks():
    param = one_param()
    optimizer = optim.Adam([param], lr=0.1)
    optimizer.step()
    seen = []
    optimizer.register_state_dict_pre_hook(lambda opt: seen.append("pre"))
    optimizer.register_state_dict_post_hook(lambda opt, sd: {**sd, "extra": 1})
    optimizer.register_state_dict_post_hook(lambda opt, sd: seen.append(sorted(sd)), prepend=True)
    state_dict = optimizer.state_dict()
    assert seen == ["pre", ["param_groups", "state"]] and state_dict["extra"] == 1

    def rename(opt, sd):
        sd = dict(sd)
        sd.pop("extra")
        sd["param_groups"] = [dict(group, lr=0.5) for group in sd["param_groups"]]
        return sd

    other = optim.Adam([one_param()], lr=0.1)
    other.register_load_state_dict_pre_hook(rename)
    other.register_load_state_dict_post_hook(lambda opt: seen.append("loaded"))
    other.load_state_dict(state_dict)
    assert other.param_groups[0]["lr"] == 0.5 and seen[-1] == "loaded"
    assert "extra" in state_dict  # the caller's dict is not changed


def test_param_groups_are_the_dicts_given_and_changes_by_hand_apply():
    param = one_param()
    group = {"params": [param], "lr": 0.5}
    optimizer = optim.SGD([group])
    assert optimizer.param_groups[0] is group and group["momentum"] == 0
    group["lr"] = 0.25
    optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), [0.75])


def test_implementation_switches_and_copies():
    param = one_param()
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        optim.Adam([param], foreach=True, fused=True)
    with pytest.raises(ValueError, match="differentiable=True"):
        optim.SGD([param], lr=0.1, differentiable=True)
    optimizer = optim.Adam([param], fused=True)
    optimizer.register_step_pre_hook(lambda *args: None)
    optimizer.step()
    twin = copy.deepcopy(optimizer)
    assert twin._optimizer_step_pre_hooks == {} and twin.state  # hooks are not copied, state is
    assert set(optimizer.__getstate__()) == {"defaults", "state", "param_groups"}


def test_swap_in_optimizer_params_and_state():
    param = one_param(1.0)
    optimizer = optim.SGD([param], lr=0.5, momentum=0.9)
    optimizer.step()
    live_state = optimizer.state_dict()
    swapped = {"param": one_param(10.0)}
    swapped_state = {"state": {0: {"momentum_buffer": needl.tensor([2.0], dtype=needl.float64)}},
                     "param_groups": [dict(live_state["param_groups"][0], lr=1.0)]}
    with optim.swap_in_optimizer_params_and_state(optimizer, swapped, swapped_state):
        optimizer.step()
        assert optimizer.param_groups[0]["params"][0] is swapped["param"]
    # buffer 0.9 * 2 + 1 = 2.8; 10 - 1.0 * 2.8
    np.testing.assert_allclose(swapped["param"].detach().numpy(), [7.2])
    np.testing.assert_allclose(swapped_state["state"][0]["momentum_buffer"].detach().numpy(), [2.8])
    np.testing.assert_allclose(param.detach().numpy(), [0.5])  # the live run is untouched
    assert optimizer.param_groups[0]["params"][0] is param and optimizer.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="got 2 parameters for an optimizer of 1"):
        with optim.swap_in_optimizer_params_and_state(optimizer, {"a": param, "b": param}, swapped_state):
            pass


def test_zero_grad_keeps_or_drops_the_gradients():
    params = [one_param(), one_param()]
    optimizer = optim.SGD(params, lr=0.1)
    grads = [p.grad for p in params]
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is g and g.numpy().tolist() == [0.0] for p, g in zip(params, grads))
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_all_of_torch_optim_is_there():
    torch = pytest.importorskip("torch")
    assert set(torch.optim.__all__) <= set(optim.__all__)
    assert set(torch.optim.lr_scheduler.__all__) <= set(optim.lr_scheduler.__all__)
    assert set(torch.optim.swa_utils.__all__) <= set(optim.swa_utils.__all__)
