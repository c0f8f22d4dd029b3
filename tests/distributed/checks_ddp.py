"""Checks of DistributedDataParallel and DistributedSampler on 2 ranks (run by mpi_checks.py).

The reference is one process on the concatenated batch: after k steps of DDP on 2 ranks with
a batch of B each, the parameters must be those of k steps on the 2B rows together.
"""
import time

import numpy as np

import needl
import needl.distributed as dist
import needl.nn as nn
from needl.nn.parallel import DistributedDataParallel
from needl.utils.data import DataLoader, DistributedSampler, TensorDataset


def mlp(dtype, seed: int) -> nn.Module:
    needl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3))
    return model.double() if dtype == needl.float64 else model


def parameters(model) -> list:
    return [p.detach().numpy().copy() for p in model.parameters()]


def batches(steps: int, rows: int, dtype, seed: int = 7):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((rows, 6)).astype(dtype), rng.integers(0, 3, rows))
            for _ in range(steps)]


def train(model, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(needl.tensor(inputs)), needl.tensor(targets))
    loss.backward()
    optimizer.step()
    return loss


def ddp_matches_one_process(rank, size, dtype, tolerance, steps=5, batch=4, **options):
    ddp = DistributedDataParallel(mlp(dtype, seed=rank), **options)  # rank 0's weights win
    reference = mlp(dtype, seed=0)
    for ours, theirs in zip(parameters(ddp.module), parameters(reference)):
        np.testing.assert_array_equal(ours, theirs)
    optimizer = needl.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    reference_optimizer = needl.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for inputs, targets in batches(steps, size * batch, np.dtype(dtype)):
        mine = slice(rank * batch, (rank + 1) * batch)
        train(ddp, optimizer, inputs[mine], targets[mine])
        train(reference, reference_optimizer, inputs, targets)
    for name, ours, theirs in zip([n for n, _ in reference.named_parameters()],
                                  parameters(ddp.module), parameters(reference)):
        assert ours.dtype == np.dtype(dtype), (name, ours.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance, err_msg=name)
    return ddp


def check_ddp_equals_one_process_on_the_whole_batch_float64_several_buckets(rank, size):
    ddp = ddp_matches_one_process(rank, size, needl.float64, 1e-10, bucket_cap_mb=0.0003)
    assert len(ddp.reducer.buckets) >= 3
    # buckets in reverse registration order: the first holds the last layer
    assert ddp.reducer.buckets[0].members[0] == len(list(ddp.parameters())) - 1
    timing = ddp.reducer.timing
    assert timing["first_ready"] <= timing["replay_end"] <= timing["end"]
    assert len(timing["comm"]) == len(ddp.reducer.buckets)


def check_ddp_starts_a_bucket_all_reduce_before_backward_reaches_the_first_layer(rank, size):
    ddp = DistributedDataParallel(mlp(needl.float64, seed=0), bucket_cap_mb=0.0003)
    first_layer_done = []
    ddp.module[0].weight.register_hook(lambda grad: first_layer_done.append(time.perf_counter()))
    (inputs, targets), = batches(1, 4, np.dtype(np.float64))
    train(ddp, needl.optim.SGD(ddp.parameters(), lr=0.1), inputs, targets)
    launched = ddp.reducer.timing["launched"]
    # the last layer's bucket went to the group's thread while backward still had layers to go
    assert launched[0] < first_layer_done[0] < ddp.reducer.timing["replay_end"]
    assert launched == sorted(launched)  # buckets start in order, the same on every rank


def check_ddp_equals_one_process_float32_one_bucket(rank, size):
    ddp = ddp_matches_one_process(rank, size, needl.float32, 1e-5)
    assert len(ddp.reducer.buckets) == 1


def check_ddp_gradient_as_bucket_view(rank, size):
    ddp = ddp_matches_one_process(rank, size, needl.float64, 1e-10, bucket_cap_mb=0.002,
                                  gradient_as_bucket_view=True)
    bucket, view = ddp.reducer.slot[0]
    assert next(iter(ddp.parameters())).grad._data is view


def check_ddp_state_dict_keys_and_module_attribute(rank, size):
    model = mlp(needl.float64, seed=0)
    ddp = DistributedDataParallel(model)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + key for key in model.state_dict()]
    ddp.load_state_dict(ddp.state_dict())


def check_ddp_broadcasts_buffers_at_construction_and_before_each_forward(rank, size):
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.register_buffer("count", needl.tensor([10.0 * rank]))

        def forward(self, input):
            self.count.data += rank + 1  # each rank moves its buffer its own way
            return self.linear(input)

    ddp = DistributedDataParallel(Counter())
    assert ddp.module.count.item() == 0.0  # rank 0's
    ddp(needl.ones(1, 2)).sum().backward()
    assert ddp.module.count.item() == rank + 1
    ddp(needl.ones(1, 2)).sum().backward()  # synced to rank 0's (1) first
    assert ddp.module.count.item() == 1 + rank + 1
    batch_norm = DistributedDataParallel(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    for _ in range(2):
        batch_norm(needl.tensor(np.random.default_rng(rank).standard_normal((5, 3)).astype(np.float32))).sum().backward()
    means = [None] * size
    dist.all_gather_object(means, batch_norm.module[1].running_mean.numpy().tolist())
    assert means[0] != means[1]  # each rank's last batch moved it...
    batch_norm(needl.ones(2, 3))
    with needl.no_grad():  # ...and a forward without grad does not sync
        batch_norm(needl.ones(2, 3))


def check_ddp_no_sync_accumulates_locally_then_averages(rank, size):
    ddp = DistributedDataParallel(mlp(needl.float64, seed=0), bucket_cap_mb=0.002)
    reference = mlp(needl.float64, seed=0)
    (first, first_targets), (second, second_targets) = batches(2, size * 4, np.float64, seed=3)
    mine = slice(rank * 4, (rank + 1) * 4)
    loss = nn.functional.cross_entropy
    with ddp.no_sync():
        loss(ddp(needl.tensor(first[mine])), needl.tensor(first_targets[mine])).backward()
    local = [p.grad.numpy().copy() for p in ddp.parameters()]
    gathered = [None] * size
    dist.all_gather_object(gathered, float(local[0].sum()))
    assert gathered[0] != gathered[1], "no_sync must not communicate"
    loss(ddp(needl.tensor(second[mine])), needl.tensor(second_targets[mine])).backward()
    for inputs, targets in ((first, first_targets), (second, second_targets)):
        loss(reference(needl.tensor(inputs)), needl.tensor(targets)).backward()
    for ours, theirs in zip(ddp.parameters(), reference.parameters()):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


class TwoHeads(nn.Module):
    """`used` on every rank, `sometimes` only on rank 0, `never` on none."""

    def __init__(self):
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.sometimes = nn.Linear(3, 2)
        self.never = nn.Linear(3, 2)

    def forward(self, input, use_second: bool):
        output = self.used(input)
        return output + self.sometimes(input) if use_second else output


def check_ddp_find_unused_parameters(rank, size):
    needl.manual_seed(0)
    model = TwoHeads().double()
    ddp = DistributedDataParallel(model, find_unused_parameters=True, bucket_cap_mb=0.0001)
    inputs = needl.tensor(np.random.default_rng(rank).standard_normal((4, 3)))
    ddp(inputs, use_second=rank == 0).sum().backward()
    assert model.never.weight.grad is None and model.never.bias.grad is None
    # locally unused on rank 1: it still gets the average (rank 0's gradient / 2)
    rank0_inputs = np.random.default_rng(0).standard_normal((4, 3))
    expected = np.ones((4, 2)).T @ rank0_inputs / size
    np.testing.assert_allclose(model.sometimes.weight.grad.numpy(), expected, rtol=1e-12)
    every_input = np.concatenate([np.random.default_rng(r).standard_normal((4, 3)) for r in range(size)])
    np.testing.assert_allclose(model.used.weight.grad.numpy(), np.ones((8, 2)).T @ every_input / size,
                               rtol=1e-12)


def check_ddp_unused_parameters_without_find_unused_raise_at_the_next_forward(rank, size):
    needl.manual_seed(0)
    ddp = DistributedDataParallel(TwoHeads().double())
    inputs = needl.ones(2, 3, dtype=needl.float64)
    ddp(inputs, use_second=True).sum().backward()  # `never` got no gradient, on every rank
    try:
        ddp(inputs, use_second=True)
    except RuntimeError as error:
        assert "find_unused_parameters=True" in str(error) and "never.weight" in str(error)
    else:
        raise AssertionError("expected the unused-parameter error")
    ddp(inputs, use_second=True)  # raised once; the module is usable again


def check_ddp_detects_models_that_differ_across_ranks(rank, size):
    model = nn.Linear(3, 4 + rank)
    try:
        DistributedDataParallel(model)
    except RuntimeError as error:
        for word in ("differ", "rank 0", "(4, 3)", "rank 1", "(5, 3)", "weight"):
            assert word in str(error), (word, str(error))
    else:
        raise AssertionError("expected the models to be found different")


def check_distributed_sampler_splits_by_rank_and_epoch(rank, size):
    dataset = TensorDataset(needl.arange(11))
    sampler = DistributedSampler(dataset, shuffle=False)  # size and rank from the process group
    assert (sampler.num_replicas, sampler.rank, len(sampler)) == (size, rank, 6)
    assert list(sampler) == ([0, 2, 4, 6, 8, 10] if rank == 0 else [1, 3, 5, 7, 9, 0])
    shuffled = DistributedSampler(dataset, seed=5, drop_last=True)
    epochs = []
    for epoch in range(2):
        shuffled.set_epoch(epoch)
        mine = list(shuffled)
        everyone = [None] * size
        dist.all_gather_object(everyone, mine)
        assert len(mine) == 5 and not set(everyone[0]) & set(everyone[1])
        epochs.append(everyone)
    assert epochs[0] != epochs[1]
    loader = DataLoader(dataset, batch_size=2, sampler=DistributedSampler(dataset, shuffle=False))
    assert [batch[0].tolist() for batch in loader][0] == ([0, 2] if rank == 0 else [1, 3])
