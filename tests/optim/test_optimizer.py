import numpy as np
import pytest

import needl
from needl.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop


def test_per_group_options_override_defaults():
    first, second = needl.ones(2, requires_grad=True), needl.ones(2, requires_grad=True)
    optimizer = SGD([{"params": [first]}, {"params": second, "lr": 1.0}], lr=0.1, momentum=0.0)
    assert [group["lr"] for group in optimizer.param_groups] == [0.1, 1.0]
    first.grad, second.grad = needl.ones(2), needl.ones(2)
    optimizer.step()
    np.testing.assert_allclose(first.detach().numpy(), [0.9, 0.9])
    np.testing.assert_allclose(second.detach().numpy(), [0.0, 0.0])


def test_add_param_group_fills_defaults_and_refuses_duplicates():
    first, second = needl.ones(2, requires_grad=True), needl.ones(3, requires_grad=True)
    optimizer = Adam([first], lr=0.5)
    optimizer.add_param_group({"params": [second], "betas": (0.5, 0.6)})
    group = optimizer.param_groups[1]
    assert group["lr"] == 0.5 and group["betas"] == (0.5, 0.6) and group["params"] == [second]
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [first]})
    with pytest.raises(ValueError, match="'params'"):
        optimizer.add_param_group({"lr": 0.1})


@pytest.mark.parametrize("params,error,message", [
    (needl.ones(2, requires_grad=True), TypeError, "iterable of Tensors or dicts"),
    ([], ValueError, "empty parameter list"),
    ({needl.ones(2, requires_grad=True)}, TypeError, "ordered collections"),
    ([np.ones(2)], TypeError, "can only optimize Tensors"),
    ([needl.ones(2, dtype=needl.int64)], TypeError, "floating point"),
])
def test_bad_params_are_refused(params, error, message):
    if isinstance(params, set):
        params = [{"params": params}]
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_non_leaf_and_repeated_params_are_refused():
    leaf = needl.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([leaf * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([leaf, leaf], lr=0.1)


def test_zero_grad_to_none_and_to_zeros():
    param = needl.ones(3, requires_grad=True)
    optimizer = SGD([param], lr=0.1)
    (param * 2).sum().backward()
    grad = param.grad
    optimizer.zero_grad(set_to_none=False)
    assert param.grad is grad
    np.testing.assert_array_equal(grad.detach().numpy(), np.zeros(3))
    optimizer.zero_grad()
    assert param.grad is None


def test_step_returns_the_closure_loss_with_grad_enabled():
    param = needl.tensor([2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    with needl.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0
    np.testing.assert_allclose(param.detach().numpy(), [1.0])


def test_state_dict_layout_is_pytorchs(make_params, feed_gradients):
    params = make_params()
    optimizer = Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}])
    feed_gradients(params, 0)
    optimizer.step()
    state_dict = optimizer.state_dict()
    assert [group["params"] for group in state_dict["param_groups"]] == [[0], [1]]
    assert state_dict["param_groups"][1]["lr"] == 0.5
    assert set(state_dict["state"]) == {0, 1}
    assert set(state_dict["state"][1]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state_dict["state"][1]["exp_avg"].shape == params[1].shape


@pytest.mark.parametrize("make", [
    lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: Adam(p, lr=0.01, amsgrad=True),
    lambda p: AdamW(p, lr=0.01),
    lambda p: RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    lambda p: Adagrad(p, lr=0.1, lr_decay=0.01)])
def test_state_dict_round_trip_resumes_exactly(make, tmp_path, make_params, feed_gradients):
    params = make_params()
    optimizer = make(params)
    for step in range(3):
        feed_gradients(params, step)
        optimizer.step()
    needl.save(optimizer.state_dict(), tmp_path / "optimizer.npz")
    resumed_params = [needl.tensor(param.detach().numpy().copy(), requires_grad=True) for param in params]
    resumed = make(resumed_params)
    resumed.load_state_dict(needl.load(tmp_path / "optimizer.npz"))
    for step in range(3, 6):
        feed_gradients(params, step)
        feed_gradients(resumed_params, step)
        optimizer.step()
        resumed.step()
    for original, copy in zip(params, resumed_params):
        np.testing.assert_array_equal(original.detach().numpy(), copy.detach().numpy())


def test_load_state_dict_copies_and_casts_state(make_params, feed_gradients):
    params = make_params()
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    feed_gradients(params, 0)
    optimizer.step()
    state_dict = optimizer.state_dict()
    state_dict["state"][0]["momentum_buffer"] = state_dict["state"][0]["momentum_buffer"].double()
    other = SGD(make_params(), lr=0.5, momentum=0.9)
    other.load_state_dict(state_dict)
    buffer = other.state[other.param_groups[0]["params"][0]]["momentum_buffer"]
    assert buffer.dtype == np.float32
    assert buffer.detach().numpy() is not optimizer.state[params[0]]["momentum_buffer"].detach().numpy()
    assert other.param_groups[0]["lr"] == 0.1


def test_load_state_dict_errors_name_what_differs(make_params, feed_gradients):
    params = make_params()
    optimizer = Adam(params)
    feed_gradients(params, 0)
    optimizer.step()
    state_dict = optimizer.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        Adam([{"params": [p]} for p in make_params()]).load_state_dict(state_dict)
    with pytest.raises(ValueError, match="group 0 has 2 saved parameters, 1 in the optimizer"):
        Adam(make_params()[:1]).load_state_dict(state_dict)
    swapped = [needl.zeros(5, requires_grad=True), needl.zeros(3, 4, requires_grad=True)]
    target = Adam(swapped)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(3, 4\) but the "
                                         r"parameter has shape \(5,\)"):
        target.load_state_dict(state_dict)
    assert len(target.state) == 0  # nothing changed
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        target.load_state_dict({"state": {}})


def test_base_class_step_is_abstract_and_repr_lists_groups():
    optimizer = Optimizer([needl.ones(1, requires_grad=True)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        optimizer.step()
    text = repr(SGD([needl.ones(1, requires_grad=True)], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_named_parameters_are_accepted_and_named_in_the_state_dict():
    weight, bias = needl.ones(2, 2, requires_grad=True), needl.zeros(2, requires_grad=True)
    optimizer = SGD([("weight", weight), ("bias", bias)], lr=0.1)
    assert optimizer.param_groups[0]["params"] == [weight, bias]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="Some param names are missing"):
        SGD([("weight", weight), bias], lr=0.1)
    with pytest.raises(ValueError, match="with/without names"):
        optimizer.add_param_group({"params": [needl.ones(1, requires_grad=True)]})


def test_pytorch_implementation_switches_are_accepted():
    param = needl.ones(2, requires_grad=True)
    for make in (lambda: SGD([param], lr=0.1, foreach=True, fused=False),
                 lambda: Adam([param], foreach=False, fused=True, capturable=True),
                 lambda: AdamW([param], foreach=True), lambda: RMSprop([param], foreach=True),
                 lambda: Adagrad([param], foreach=True)):
        optimizer = make()
        param.grad = needl.ones(2)
        optimizer.step()
    with pytest.raises(ValueError, match="differentiable=True"):
        Adam([param], differentiable=True)
