"""needl.optim.swa_utils: AveragedModel (SWA and EMA), SWALR, update_bn."""
import numpy as np
import pytest

import needl
from needl import nn
from needl.optim.swa_utils import (SWALR, AveragedModel, get_ema_avg_fn, get_ema_multi_avg_fn,
                                   get_swa_avg_fn, update_bn)


def model_with_batch_norm():
    needl.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def perturb(model, step):
    with needl.no_grad():
        for index, param in enumerate(model.parameters()):
            param.copy_(needl.tensor(np.cos(np.arange(param.numel()).reshape(param.shape) + step + index)
                                     .astype(np.float32)))


def test_swa_average_is_the_mean_of_the_models_seen():
    model = model_with_batch_norm()
    averaged = AveragedModel(model)
    seen = []
    for step in range(4):
        perturb(model, step)
        seen.append([p.detach().numpy().copy() for p in model.parameters()])
        averaged.update_parameters(model)
    assert averaged.n_averaged.item() == 4
    for index, param in enumerate(averaged.module.parameters()):
        np.testing.assert_allclose(param.detach().numpy(), np.mean([s[index] for s in seen], axis=0),
                                   rtol=1e-6, atol=1e-6)
    assert averaged.module[0].weight is not model[0].weight  # a copy
    x = needl.randn(5, 3)
    averaged.eval()
    np.testing.assert_array_equal(averaged(x).detach().numpy(), averaged.module(x).detach().numpy())


@pytest.mark.parametrize("kind", ["avg_fn", "multi_avg_fn"])
def test_ema_forms_agree(kind):
    model = model_with_batch_norm()
    options = {"avg_fn": get_ema_avg_fn(0.9)} if kind == "avg_fn" else \
        {"multi_avg_fn": get_ema_multi_avg_fn(0.9)}
    averaged = AveragedModel(model, **options)
    expected = None
    for step in range(3):
        perturb(model, step)
        current = [p.detach().numpy().astype(np.float64) for p in model.parameters()]
        expected = current if expected is None else [0.9 * e + 0.1 * c for e, c in zip(expected, current)]
        averaged.update_parameters(model)
    for param, value in zip(averaged.module.parameters(), expected):
        np.testing.assert_allclose(param.detach().numpy(), value, rtol=1e-5, atol=1e-6)


def test_buffers_follow_the_model_or_are_averaged():
    model = model_with_batch_norm()
    plain, with_buffers = AveragedModel(model), AveragedModel(model, use_buffers=True)
    for step in range(2):
        model.train()
        model(needl.randn(8, 3) + step)
        plain.update_parameters(model)
        with_buffers.update_parameters(model)
    np.testing.assert_array_equal(plain.module[1].running_mean.numpy(), model[1].running_mean.numpy())
    assert not np.allclose(with_buffers.module[1].running_mean.numpy(), model[1].running_mean.numpy())
    with pytest.raises(AssertionError, match="Only one of"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_ema_multi_avg_fn())
    with pytest.raises(ValueError, match="Invalid decay"):
        get_ema_avg_fn(1.5)


def test_update_bn_recomputes_the_statistics_over_the_loader():
    model = model_with_batch_norm()
    batches = [needl.randn(6, 3) * 2 + 1 for _ in range(3)]
    model.eval()
    update_bn([(batch, None) for batch in batches], model)
    assert not model.training and model[1].momentum == 0.1
    hidden = np.concatenate([model[0](batch).detach().numpy() for batch in batches])
    np.testing.assert_allclose(model[1].running_mean.numpy(), hidden.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert model[1].num_batches_tracked.item() == 3


def test_swalr_anneals_to_swa_lr():
    param = needl.ones(1, requires_grad=True)
    optimizer = needl.optim.SGD([param], lr=1.0)
    scheduler = SWALR(optimizer, swa_lr=0.1, anneal_epochs=4, anneal_strategy="linear")
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(6):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [1.0, 0.775, 0.55, 0.325, 0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="anneal_strategy"):
        SWALR(optimizer, swa_lr=0.1, anneal_strategy="step")


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.optim import swa_utils

    for strategy, epochs in [("cos", 3), ("linear", 0)]:
        ours = needl.optim.SGD([needl.ones(1, requires_grad=True)], lr=0.5)
        theirs = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.5)
        our_scheduler = SWALR(ours, swa_lr=0.05, anneal_epochs=epochs, anneal_strategy=strategy)
        their_scheduler = swa_utils.SWALR(theirs, swa_lr=0.05, anneal_epochs=epochs,
                                          anneal_strategy=strategy)
        for _ in range(6):
            ours.step()
            theirs.step()
            our_scheduler.step()
            their_scheduler.step()
            assert our_scheduler.get_last_lr() == pytest.approx(their_scheduler.get_last_lr(), rel=1e-12)
    initial = [np.random.default_rng(4).standard_normal((3, 2)) for _ in range(1)]
    mine = nn.Linear(2, 3).double()
    other = torch.nn.Linear(2, 3).double()
    with torch.no_grad():
        other.weight.copy_(torch.tensor(initial[0]))
        other.bias.zero_()
    mine.load_state_dict({"weight": initial[0], "bias": np.zeros(3)})
    our_average = AveragedModel(mine, multi_avg_fn=get_ema_multi_avg_fn(0.8))
    their_average = swa_utils.AveragedModel(other, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.8))
    for step in range(4):
        with torch.no_grad():
            other.weight.mul_(1.5).add_(0.1 * step)
        with needl.no_grad():
            mine.weight.mul_(1.5).add_(0.1 * step)
        our_average.update_parameters(mine)
        their_average.update_parameters(other)
    np.testing.assert_allclose(our_average.module.weight.detach().numpy(),
                               their_average.module.weight.detach().numpy(), rtol=1e-12)
