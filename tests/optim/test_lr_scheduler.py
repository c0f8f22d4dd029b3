import math

import numpy as np
import pytest

import needl
from needl.optim import SGD, Adam
from needl.optim.lr_scheduler import (ChainedScheduler, ConstantLR, CosineAnnealingLR,
                                      CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR,
                                      LinearLR, MultiplicativeLR, MultiStepLR, OneCycleLR,
                                      PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR)


def sgd(lr=1.0, groups=1, **kwargs):
    return SGD([{"params": [needl.ones(1, requires_grad=True)]} for _ in range(groups)], lr=lr,
               **kwargs)


def trace(scheduler, steps):
    """The learning rate of group 0 at construction and after each step."""
    values = [scheduler.optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        values.append(scheduler.optimizer.param_groups[0]["lr"])
    return values


def test_step_lr():
    np.testing.assert_allclose(trace(StepLR(sgd(), step_size=2, gamma=0.5), 5),
                               [1, 1, 0.5, 0.5, 0.25, 0.25])


def test_multi_step_lr_counts_repeated_milestones():
    np.testing.assert_allclose(trace(MultiStepLR(sgd(), milestones=[1, 3, 3], gamma=0.1), 4),
                               [1, 0.1, 0.1, 0.001, 0.001])


def test_exponential_lr():
    np.testing.assert_allclose(trace(ExponentialLR(sgd(lr=2.0), gamma=0.5), 3),
                               [2, 1, 0.5, 0.25])


def test_cosine_annealing_follows_the_closed_form_then_rises_again():
    scheduler = CosineAnnealingLR(sgd(lr=0.1), T_max=4, eta_min=0.01)
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)]
    np.testing.assert_allclose(trace(scheduler, 8), expected, rtol=1e-12)


def test_lambda_lr_per_group_and_state_dict_skips_functions():
    optimizer = sgd(lr=1.0, groups=2)
    scheduler = LambdaLR(optimizer, [lambda epoch: 0.5 ** epoch, lambda epoch: epoch + 1])
    trace(scheduler, 2)
    assert scheduler.get_last_lr() == [0.25, 3.0]
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, None] and state["last_epoch"] == 2
    assert "optimizer" not in state


def test_one_cycle_lr_and_momentum():
    optimizer = sgd(lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=10, pct_start=0.3,
                           div_factor=10.0, final_div_factor=100.0)
    group = optimizer.param_groups[0]
    assert group["lr"] == pytest.approx(0.1) and group["momentum"] == pytest.approx(0.95)
    lrs, momenta = [group["lr"]], [group["momentum"]]
    for _ in range(9):
        optimizer.step()
        scheduler.step()
        lrs.append(group["lr"])
        momenta.append(group["momentum"])

    def cos_anneal(start, end, pct):
        return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))

    # warm-up ends at step 0.3 * 10 - 1 = 2, the annealing at step 9
    expected_lrs = [cos_anneal(0.1, 1.0, t / 2) for t in range(3)] + \
                   [cos_anneal(1.0, 0.001, (t - 2) / 7) for t in range(3, 10)]
    expected_momenta = [cos_anneal(0.95, 0.85, t / 2) for t in range(3)] + \
                       [cos_anneal(0.85, 0.95, (t - 2) / 7) for t in range(3, 10)]
    np.testing.assert_allclose(lrs, expected_lrs, rtol=1e-12)
    np.testing.assert_allclose(momenta, expected_momenta, rtol=1e-12)
    optimizer.step()
    scheduler.step()  # step 10 is still allowed, 11 is not
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        scheduler.step()


def test_one_cycle_cycles_adams_beta1_and_linear_three_phase():
    optimizer = Adam([needl.ones(1, requires_grad=True)], betas=(0.9, 0.99))
    scheduler = OneCycleLR(optimizer, max_lr=0.4, epochs=2, steps_per_epoch=5,
                           anneal_strategy="linear", three_phase=True, div_factor=4.0,
                           final_div_factor=10.0)
    values = trace(scheduler, 9)
    # phases end at steps 2, 4 and 9: 0.1 -> 0.4 -> 0.1 -> 0.01, linearly
    expected = [0.1, 0.25, 0.4, 0.25, 0.1, 0.082, 0.064, 0.046, 0.028, 0.01]
    np.testing.assert_allclose(values, expected, rtol=1e-12)
    assert optimizer.param_groups[0]["betas"][1] == 0.99


def test_one_cycle_argument_errors():
    with pytest.raises(ValueError, match="total_steps OR"):
        OneCycleLR(sgd(), max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        OneCycleLR(sgd(), max_lr=1.0, total_steps=5, anneal_strategy="step")
    with pytest.raises(ValueError, match="expected 2 values for max_lr"):
        OneCycleLR(sgd(groups=2), max_lr=[1.0], total_steps=5)


def test_reduce_lr_on_plateau_with_patience_and_cooldown():
    optimizer = sgd(lr=1.0)
    scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]:
        scheduler.step(metric)
        lrs.append(optimizer.param_groups[0]["lr"])
    # two bad epochs reduce; the cooldown epoch after a reduction does not count
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]
    assert scheduler.get_last_lr() == [0.2]


def test_reduce_lr_on_plateau_max_mode_and_threshold():
    optimizer = sgd(lr=1.0)
    scheduler = ReduceLROnPlateau(optimizer, mode="max", patience=0, threshold=0.1,
                                  threshold_mode="abs")
    scheduler.step(1.0)
    scheduler.step(1.05)  # not better by more than 0.1: reduce
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ReduceLROnPlateau(optimizer, factor=1.0)


def test_resume_from_state_dict_continues_the_schedule():
    optimizer = sgd(lr=1.0)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    trace(scheduler, 3)
    resumed_optimizer = sgd(lr=1.0)
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed = StepLR(resumed_optimizer, step_size=2, gamma=0.5)
    resumed.load_state_dict(scheduler.state_dict())
    assert trace(resumed, 3)[1:] == trace(scheduler, 3)[1:]


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(sgd(), step_size=1, last_epoch=3)


def test_epoch_argument_uses_the_closed_form_with_a_warning():
    scheduler = StepLR(sgd(lr=1.0), step_size=2, gamma=0.1)
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(5)
    assert scheduler.get_last_lr() == [pytest.approx(0.01)]


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        StepLR(object(), step_size=1)


@pytest.mark.parametrize("make", [
    lambda o: MultiStepLR(o, milestones=[2, 4], gamma=0.5),
    lambda o: OneCycleLR(o, max_lr=1.0, total_steps=12),
    lambda o: CosineAnnealingLR(o, T_max=5),
    lambda o: LambdaLR(o, lambda epoch: 0.9 ** epoch),
    lambda o: ReduceLROnPlateau(o, patience=0)])
def test_scheduler_state_survives_a_checkpoint_file(make, tmp_path):
    optimizer = sgd(lr=1.0, momentum=0.9)
    scheduler = make(optimizer)
    plateau = isinstance(scheduler, ReduceLROnPlateau)
    for metric in [3.0, 2.0, 2.5]:
        optimizer.step()
        scheduler.step(metric) if plateau else scheduler.step()
    needl.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
               tmp_path / "checkpoint.npz")
    checkpoint = needl.load(tmp_path / "checkpoint.npz")
    resumed_optimizer = sgd(lr=1.0, momentum=0.9)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed = make(resumed_optimizer)
    resumed.load_state_dict(checkpoint["scheduler"])
    for metric in [2.2, 1.0, 1.5]:
        for sched, opt in ((scheduler, optimizer), (resumed, resumed_optimizer)):
            opt.step()
            sched.step(metric) if plateau else sched.step()
        assert resumed.get_last_lr() == pytest.approx(scheduler.get_last_lr(), rel=1e-15)
        assert resumed_optimizer.param_groups[0]["momentum"] == optimizer.param_groups[0]["momentum"]


def test_multiplicative_lr():
    np.testing.assert_allclose(trace(MultiplicativeLR(sgd(), lambda epoch: 0.5), 3),
                               [1, 0.5, 0.25, 0.125])


def test_constant_lr_scales_then_restores():
    np.testing.assert_allclose(trace(ConstantLR(sgd(), factor=0.5, total_iters=2), 3),
                               [0.5, 0.5, 1.0, 1.0])


def test_linear_lr_warm_up():
    np.testing.assert_allclose(trace(LinearLR(sgd(), start_factor=0.25, total_iters=3), 4),
                               [0.25, 0.5, 0.75, 1.0, 1.0])


def test_polynomial_lr():
    np.testing.assert_allclose(trace(PolynomialLR(sgd(), total_iters=4, power=2.0), 5),
                               [1, 0.5625, 0.25, 0.0625, 0, 0], atol=1e-15)


def test_cosine_warm_restarts_period_doubles():
    scheduler = CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=2)
    # periods of 2 then 4 epochs: cos positions 0, 1/2 | 0, 1/4, 2/4, 3/4 | 0
    expected = [(1 + math.cos(math.pi * x)) / 2 for x in [0, 0.5, 0, 0.25, 0.5, 0.75, 0]]
    np.testing.assert_allclose(trace(scheduler, 6), expected, atol=1e-15)


def test_sequential_lr_warm_up_then_decay():
    optimizer = sgd(lr=1.0)
    scheduler = SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.5, total_iters=2),
                                         ExponentialLR(optimizer, gamma=0.5)], milestones=[2])
    np.testing.assert_allclose(trace(scheduler, 4), [0.5, 0.75, 1.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="one milestone fewer than schedulers"):
        SequentialLR(optimizer, [StepLR(optimizer, 1)], milestones=[3])


def test_chained_scheduler_multiplies_the_effects():
    optimizer = sgd(lr=1.0)
    scheduler = ChainedScheduler([ExponentialLR(optimizer, gamma=0.5),
                                  MultiplicativeLR(optimizer, lambda epoch: 0.1)])
    np.testing.assert_allclose(trace(scheduler, 2), [1.0, 0.05, 0.0025])
    with pytest.raises(ValueError, match="same optimizer"):
        ChainedScheduler([StepLR(sgd(), 1), StepLR(optimizer, 1)])
