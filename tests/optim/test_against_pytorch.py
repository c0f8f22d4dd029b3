"""The same steps in needl and PyTorch give the same parameters and learning rates (optional)."""
import numpy as np
import pytest

import needl

torch = pytest.importorskip("torch")

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.6), weight_decay=0.1)),
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,options", OPTIMIZERS)
def test_optimizer_matches_pytorch(name, options):
    rng = np.random.default_rng(1)
    initial = [rng.standard_normal((4, 3)), rng.standard_normal(5)]
    ours = [needl.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    our_optimizer = getattr(needl.optim, name)(ours, **options)
    their_optimizer = getattr(torch.optim, name)(theirs, **options)
    for step in range(12):
        for mine, other in zip(ours, theirs):
            grad = np.cos(mine.detach().numpy() * (step + 1)) + 0.3 * mine.detach().numpy()
            mine.grad = needl.tensor(grad)
            other.grad = torch.tensor(grad)
        our_optimizer.step()
        their_optimizer.step()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.detach().numpy(), other.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_float32_adam_matches_pytorch_to_float32_precision():
    rng = np.random.default_rng(2)
    initial = rng.standard_normal((16, 8)).astype(np.float32)
    mine = needl.tensor(initial, requires_grad=True)
    other = torch.tensor(initial, requires_grad=True)
    our_optimizer, their_optimizer = needl.optim.Adam([mine], lr=0.01), torch.optim.Adam([other], lr=0.01)
    for step in range(20):
        grad = (np.sin(mine.detach().numpy() * step) + mine.detach().numpy()).astype(np.float32)
        mine.grad, other.grad = needl.tensor(grad), torch.tensor(grad)
        our_optimizer.step()
        their_optimizer.step()
    assert mine.detach().numpy().dtype == np.float32
    np.testing.assert_allclose(mine.detach().numpy(), other.detach().numpy(), rtol=1e-5, atol=1e-6)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (epoch + 1))),
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.95)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=20)),
    ("OneCycleLR", dict(max_lr=[0.5], total_steps=20, three_phase=True, anneal_strategy="linear",
                        pct_start=0.25)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=4,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=[0.01], max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9,
                      base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 0.5 ** x,
                      scale_mode="iterations", cycle_momentum=False)),
]


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name,options", SCHEDULERS)
def test_scheduler_matches_pytorch(name, options, optimizer_name):
    ours = getattr(needl.optim, optimizer_name)([needl.ones(1, requires_grad=True)], lr=0.1,
                                                **({"momentum": 0.9} if optimizer_name == "SGD" else {}))
    theirs = getattr(torch.optim, optimizer_name)([torch.ones(1, requires_grad=True)], lr=0.1,
                                                  **({"momentum": 0.9} if optimizer_name == "SGD" else {}))
    our_scheduler = getattr(needl.optim.lr_scheduler, name)(ours, **options)
    their_scheduler = getattr(torch.optim.lr_scheduler, name)(theirs, **options)
    for _ in range(19):
        ours.step()
        theirs.step()
        our_scheduler.step()
        their_scheduler.step()
        assert our_scheduler.get_last_lr() == pytest.approx(their_scheduler.get_last_lr(), rel=1e-12)
        key = "momentum" if optimizer_name == "SGD" else "betas"
        assert ours.param_groups[0][key] == pytest.approx(theirs.param_groups[0][key], rel=1e-12)


def test_reduce_lr_on_plateau_matches_pytorch():
    ours = needl.optim.SGD([needl.ones(1, requires_grad=True)], lr=1.0)
    theirs = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=1.0)
    options = dict(factor=0.5, patience=2, cooldown=1, threshold=0.05, min_lr=0.01)
    our_scheduler = needl.optim.lr_scheduler.ReduceLROnPlateau(ours, **options)
    their_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **options)
    for metric in [3, 2.9, 2.95, 2.8, 2.8, 2.8, 2.7, 2.7, 2.7, 2.7, 2.7, 1.0, 1.0, 1.0, 1.0]:
        our_scheduler.step(metric)
        their_scheduler.step(metric)
        assert our_scheduler.get_last_lr() == pytest.approx(their_scheduler.get_last_lr())


def test_state_dict_loads_into_pytorch_layout():
    mine = needl.tensor(np.ones(3), requires_grad=True)
    other = torch.tensor(np.ones(3), requires_grad=True)
    ours, theirs = needl.optim.Adam([mine]), torch.optim.Adam([other])
    mine.grad, other.grad = needl.tensor(np.ones(3)), torch.tensor(np.ones(3))
    ours.step()
    theirs.step()
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert set(our_state["state"][0]) == set(their_state["state"][0])
    assert set(our_state["param_groups"][0]) <= set(their_state["param_groups"][0])
    # a PyTorch state_dict converted to arrays loads into needl
    converted = {"state": {index: {key: value.numpy() for key, value in entry.items()}
                           for index, entry in their_state["state"].items()},
                 "param_groups": their_state["param_groups"]}
    ours.load_state_dict(converted)
    assert ours.state[mine]["step"] == 1


def build_composite(library, optimizer, kind):
    schedulers = library.optim.lr_scheduler
    warmup = schedulers.LinearLR(optimizer, start_factor=0.1, total_iters=4)
    decay = schedulers.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001)
    if kind == "SequentialLR":
        return schedulers.SequentialLR(optimizer, [warmup, decay], milestones=[4])
    return schedulers.ChainedScheduler([warmup, schedulers.ExponentialLR(optimizer, gamma=0.9)])


@pytest.mark.parametrize("kind", ["SequentialLR", "ChainedScheduler"])
def test_composite_schedulers_match_pytorch(kind):
    ours = needl.optim.SGD([needl.ones(1, requires_grad=True)], lr=0.1)
    theirs = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.1)
    our_scheduler, their_scheduler = build_composite(needl, ours, kind), build_composite(torch, theirs, kind)
    assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
    for _ in range(16):
        ours.step()
        theirs.step()
        our_scheduler.step()
        their_scheduler.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
        assert our_scheduler.get_last_lr() == pytest.approx(their_scheduler.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "RAdam", "Adadelta"])
def test_pytorch_state_dict_resumes_identically(name):
    """A PyTorch optimizer's state_dict, converted to arrays, continues the same trajectory."""
    initial = np.linspace(-1, 1, 6).reshape(2, 3)
    other = torch.tensor(initial, requires_grad=True)
    theirs = getattr(torch.optim, name)([other], lr=0.01)
    for step in range(3):
        other.grad = torch.cos(other.detach() * (step + 1))
        theirs.step()
    converted = {"state": {i: {k: v.numpy() if hasattr(v, "numpy") else v for k, v in entry.items()}
                           for i, entry in theirs.state_dict()["state"].items()},
                 "param_groups": theirs.state_dict()["param_groups"]}
    mine = needl.tensor(other.detach().numpy().copy(), requires_grad=True)
    ours = getattr(needl.optim, name)([mine], lr=0.01)
    ours.load_state_dict(converted)
    for step in range(3, 6):
        other.grad = torch.cos(other.detach() * (step + 1))
        mine.grad = needl.tensor(np.cos(mine.detach().numpy() * (step + 1)))
        theirs.step()
        ours.step()
    np.testing.assert_allclose(mine.detach().numpy(), other.detach().numpy(), rtol=1e-7)


def test_asgd_average_matches_pytorch():
    initial = np.linspace(-1, 1, 5)
    mine, other = needl.tensor(initial, requires_grad=True), torch.tensor(initial, requires_grad=True)
    ours = needl.optim.ASGD([mine], lr=0.05, t0=2)
    theirs = torch.optim.ASGD([other], lr=0.05, t0=2)
    for step in range(6):
        mine.grad = needl.tensor(np.sin(mine.detach().numpy() + step))
        other.grad = torch.sin(other.detach() + step)
        ours.step()
        theirs.step()
    np.testing.assert_allclose(ours.state[mine]["ax"].detach().numpy(), theirs.state[other]["ax"].numpy(),
                               rtol=1e-7)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("max_iter,history_size", [(20, 100), (7, 3)])
def test_lbfgs_matches_pytorch(line_search_fn, max_iter, history_size):
    def rosenbrock(library, xy, scale):
        return ((1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2 + (scale * xy[2:] ** 2).sum())

    start = np.array([-1.2, 1.0, 0.5, -0.3])
    results = []
    for library in (needl, torch):
        xy = library.tensor(start.copy(), requires_grad=True)
        scale = library.tensor(np.array([3.0, 0.5]))
        optimizer = library.optim.LBFGS([xy], lr=0.5 if line_search_fn is None else 1,
                                        max_iter=max_iter, history_size=history_size,
                                        line_search_fn=line_search_fn)

        def closure():
            optimizer.zero_grad()
            loss = rosenbrock(library, xy, scale)
            loss.backward()
            return loss

        losses = [float(optimizer.step(closure).detach()) for _ in range(4)]
        state = optimizer.state[optimizer.param_groups[0]["params"][0]]
        results.append((xy.detach().numpy().copy(), losses, state["func_evals"], state["n_iter"]))
    (ours, our_losses, our_evals, our_iters), (theirs, their_losses, their_evals, their_iters) = results
    # the same iterations and evaluations; values equal up to float64 rounding of the dots
    assert (our_evals, our_iters) == (their_evals, their_iters)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-6, atol=1e-12)
