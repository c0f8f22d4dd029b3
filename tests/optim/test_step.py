"""The step shared by the elementwise optimizers: flat buckets give the per-tensor results, a
failing step changes nothing, parameter versions are bumped, and replaced arrays are noticed."""
import numpy as np
import pytest

import needl
from needl import optim

MODIFIED = "modified by an inplace operation"

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=2)),
    ("SparseAdam", dict(lr=0.05)),
    ("Adafactor", dict(weight_decay=0.1)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]
SHAPES = [(6, 5), (5,), (), (0, 3), (40,), (2, 3, 4)]


def make_params(dtype=np.float64, shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    return [needl.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
            for shape in shapes]


def feed(params, step):
    for index, param in enumerate(params):
        value = param.detach().numpy()
        param.grad = needl.tensor(np.cos(value * (step + 1)) + 0.3 * value + 0.1 * index)


def step_in_lockstep(pairs, steps):
    """Feed both runs the same gradients and step them together; (params, optimizer) pairs."""
    for step in steps:
        for params, optimizer in pairs:
            feed(params, step)
            optimizer.step()


def assert_same_values(first, second):
    for mine, theirs in zip(first, second):
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def snapshot(optimizer):
    """Copies of every parameter and of the state of each (by position; empty states left out)."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    state = {index: {k: v.detach().numpy().copy() if isinstance(v, needl.Tensor) else v
                     for k, v in optimizer.state[p].items()}
             for index, p in enumerate(params) if optimizer.state.get(p)}
    return [p.detach().numpy().copy() for p in params], state


def assert_same_snapshot(first, second):
    for a, b in zip(first[0], second[0]):
        np.testing.assert_array_equal(a, b)
    assert first[1].keys() == second[1].keys()
    for key in first[1]:
        assert first[1][key].keys() == second[1][key].keys()
        for name, value in first[1][key].items():
            np.testing.assert_array_equal(value, second[1][key][name])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,options", CONFIGS, ids=IDS)
def test_flat_buckets_give_the_per_tensor_results(name, options, dtype):
    results = []
    for flat_max_size in (0, 1 << 15, 32):  # all per tensor, all flat, mixed
        params = make_params(dtype)
        optimizer = getattr(optim, name)(params, **options)
        optimizer._flat_max_size = flat_max_size
        for step in range(5):
            feed(params, step)
            optimizer.step()
        assert all(p.dtype == dtype for p in params)
        results.append(snapshot(optimizer))
    assert_same_snapshot(results[0], results[1])
    assert_same_snapshot(results[0], results[2])


@pytest.mark.parametrize("name,options", CONFIGS, ids=IDS)
def test_a_failing_step_changes_nothing(name, options):
    params = make_params()
    optimizer = getattr(optim, name)(params, **options)
    feed(params, 0)
    optimizer.step()
    feed(params, 1)
    before = snapshot(optimizer)
    params[-1].grad = needl.zeros(3, 3, dtype=needl.float64)
    with pytest.raises(RuntimeError, match=r"parameter 5 of param group 0 has shape \(3, 3\) but "
                                           r"the parameter has shape \(2, 3, 4\)"):
        optimizer.step()
    assert_same_snapshot(before, snapshot(optimizer))


@pytest.mark.parametrize("name,options", CONFIGS, ids=IDS)
def test_a_step_between_forward_and_backward_raises(name, options):
    """The GAN pattern: the parameters a graph saved changed before its backward."""
    params = make_params(shapes=[(3,), (2, 2)])
    optimizer = getattr(optim, name)(params, **options)
    loss = sum((p * p).sum() for p in params)
    feed(params, 0)
    optimizer.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_muon_step_between_forward_and_backward_raises():
    weight = needl.tensor(np.eye(3), requires_grad=True)
    optimizer = optim.Muon([weight])
    pending = (weight * weight).sum()
    weight.grad = needl.ones(3, 3, dtype=needl.float64)
    optimizer.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        pending.backward()


def test_lbfgs_step_between_forward_and_backward_raises():
    weight = needl.tensor([1.0, -2.0], dtype=needl.float64, requires_grad=True)
    optimizer = optim.LBFGS([weight], max_iter=2)
    pending = (weight * weight).sum()

    def closure():
        optimizer.zero_grad()
        loss = ((weight - 3) ** 2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with pytest.raises(RuntimeError, match=MODIFIED):
        pending.backward()


def test_parameters_keep_their_arrays_and_replaced_arrays_are_noticed():
    params = make_params(shapes=[(3, 2), (4,)])
    reference_params = make_params(shapes=[(3, 2), (4,)])
    arrays = [p._data for p in params]
    alias = params[1].detach()  # shares the parameter's memory, as in PyTorch
    optimizer = optim.Adam(params, lr=0.1)
    reference = optim.Adam(reference_params, lr=0.1, foreach=False)
    step_in_lockstep([(params, optimizer), (reference_params, reference)], range(2))
    assert all(p._data is array for p, array in zip(params, arrays))  # never moved
    np.testing.assert_array_equal(alias.numpy(), params[1].detach().numpy())
    exp_avg = optimizer.state[params[0]]["exp_avg"]
    assert exp_avg._data.base is optimizer.state[params[1]]["exp_avg"]._data.base is not None
    # a user replaces one parameter's array and writes another in place
    params[0].data = needl.ones(3, 2, dtype=needl.float64)
    reference_params[0].data = needl.ones(3, 2, dtype=needl.float64)
    with needl.no_grad():
        params[1].mul_(2)
        reference_params[1].mul_(2)
    step_in_lockstep([(params, optimizer), (reference_params, reference)], range(2, 4))
    assert_same_values(params, reference_params)
    assert optimizer.state[params[0]]["exp_avg"] is exp_avg


def test_memory_shared_between_parameters_stays_shared():
    first = needl.zeros(4, dtype=needl.float64, requires_grad=True)
    second = needl.zeros(4, dtype=needl.float64, requires_grad=True)
    second.data = first.data  # tied by storage, not by object
    optimizer = optim.SGD([first, second], lr=1.0)
    first.grad = needl.ones(4, dtype=needl.float64)
    optimizer.step()
    assert second._data is first._data
    np.testing.assert_array_equal(second.detach().numpy(), np.full(4, -1.0))


def test_deepcopied_optimizer_steps_independently():
    import copy
    params = make_params(shapes=[(3,), (4,)])
    optimizer = optim.Adam(params, lr=0.1)
    feed(params, 0)
    optimizer.step()
    twin_params = [needl.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    twin = copy.deepcopy(optimizer)
    twin.param_groups[0]["params"] = twin_params
    twin.state = {new: twin.state[old] for old, new in zip(twin.state, twin_params)}
    for step in range(1, 3):
        feed(params, step)
        for mine, theirs in zip(twin_params, params):
            mine.grad = theirs.grad
        optimizer.step()
        twin.step()
    for mine, theirs in zip(twin_params, params):
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_parameters_without_gradients_are_left_alone():
    params = make_params(shapes=[(3,), (4,), (2,)])
    optimizer = optim.Adam(params, lr=0.1)
    frozen = params[1].detach().numpy().copy()
    for step in range(3):
        feed(params, step)
        params[1].grad = None
        optimizer.step()
    np.testing.assert_array_equal(params[1].detach().numpy(), frozen)
    assert params[1] not in optimizer.state and optimizer.state[params[0]]["step"] == 3
    feed(params, 3)  # now it has a gradient: its first step, the others' fourth
    optimizer.step()
    assert optimizer.state[params[1]]["step"] == 1 and optimizer.state[params[2]]["step"] == 4
    reference = make_params(shapes=[(3,), (4,), (2,)])[1]
    reference.grad = params[1].grad
    optim.Adam([reference], lr=0.1).step()
    np.testing.assert_array_equal(params[1].detach().numpy(), reference.detach().numpy())


def test_group_changes_between_steps_take_effect():
    first, second = make_params(shapes=[(3,), (2,)]), make_params(shapes=[(4,), (5,)], seed=1)
    optimizer = optim.SGD(first, lr=0.1, momentum=0.9)
    feed(first, 0)
    optimizer.step()
    optimizer.param_groups[0]["lr"] = 0.0
    optimizer.add_param_group({"params": second, "lr": 1.0, "momentum": 0.0})
    kept = [p.detach().numpy().copy() for p in first]
    feed(first, 1)
    feed(second, 1)
    expected = [p.detach().numpy() - p.grad.detach().numpy() for p in second]
    optimizer.step()
    for param, value in zip(first, kept):
        np.testing.assert_array_equal(param.detach().numpy(), value)
    for param, value in zip(second, expected):
        np.testing.assert_allclose(param.detach().numpy(), value)


def test_mixed_dtypes_and_a_parameter_shared_with_another_optimizer():
    shared = needl.ones(3, requires_grad=True)
    params = [shared, needl.ones(2, dtype=needl.float64, requires_grad=True),
              needl.ones(4, requires_grad=True)]
    first = optim.SGD(params, lr=0.5)
    second = optim.SGD([shared, needl.zeros(2, requires_grad=True)], lr=0.25)
    for _ in range(2):
        for param in params:
            param.grad = needl.ones(*param.shape, dtype=param.dtype)
        first.step()
        second.grad = None
        second.step()
    np.testing.assert_allclose(shared.detach().numpy(), np.full(3, 1 - 2 * 0.75))
    np.testing.assert_allclose(params[1].detach().numpy(), np.zeros(2))
    assert params[1].dtype == np.float64 and params[2].dtype == np.float32


def test_loading_a_state_dict_rebuilds_the_buckets():
    params = make_params(shapes=[(3,), (4,)])
    optimizer = optim.Adam(params, lr=0.1)
    for step in range(2):
        feed(params, step)
        optimizer.step()
    saved = {"state": {index: {key: value.detach().numpy().copy() if isinstance(value, needl.Tensor)
                               else value for key, value in entry.items()}
                       for index, entry in optimizer.state_dict()["state"].items()},
             "param_groups": optimizer.state_dict()["param_groups"]}
    copies = [needl.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = optim.Adam(copies, lr=0.1)
    feed(copies, 0)
    resumed.step()  # a bucket with other state, replaced by the load
    for copy, param in zip(copies, params):
        copy.data = param.detach().numpy().copy()
    resumed.load_state_dict(saved)
    step_in_lockstep([(params, optimizer), (copies, resumed)], range(2, 4))
    assert_same_values(params, copies)


def test_zero_dimensional_and_empty_parameters_step():
    params = make_params(shapes=[(), (0,), (3,)])
    optimizer = optim.Adam(params, lr=0.1)
    feed(params, 0)
    optimizer.step()
    assert params[0].shape == () and params[1].shape == (0,)
    assert optimizer.state[params[0]]["exp_avg"].shape == ()


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

SHAPE = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(shapes=st.lists(SHAPE, min_size=1, max_size=6), config=st.sampled_from(CONFIGS),
       dtype=st.sampled_from([np.float32, np.float64]), limit=st.sampled_from([8, 64, 1 << 14]),
       missing=st.integers(0, 6))
def test_buckets_and_one_by_one_agree_on_random_shapes(shapes, config, dtype, limit, missing):
    """Any shapes (0-d and empty included), bucket sizes and a parameter without a gradient on
    some steps: the bucketed step gives the one-by-one step's bits."""
    name, options = config
    results = []
    for max_size in (0, limit):  # one by one, then in buckets
        params = make_params(dtype, shapes)
        optimizer = getattr(optim, name)(params, **options)
        optimizer._flat_max_size = max_size
        for step in range(3):
            feed(params, step)
            if missing < len(params) and step == 1:
                params[missing].grad = None
            optimizer.step()
        results.append(snapshot(optimizer))
    assert_same_snapshot(*results)
