"""DistributedDataParallel on 2 ranks (checks_ddp.py, run by the same job as the collectives),
and the parts that need no MPI: bucket assignment, the graph walk, DataParallel."""
import numpy as np
import pytest

import checks_ddp
import needl
import needl.nn as nn
from mpi_checks import check_names
from mpi_launch import assert_check_passed
from needl.nn.parallel import DataParallel, data_parallel
from needl.nn.parallel.reducer import assign_buckets, reachable_leaves


@pytest.mark.parametrize("name", check_names(checks_ddp))
def test_ddp_on_two_ranks(name):
    assert_check_passed(name)


def sizes_in_bytes(*sizes, dtype=np.float32):
    return [needl.zeros(size, dtype=dtype) for size in sizes]


def test_buckets_hold_parameters_in_reverse_order_up_to_the_cap():
    parameters = sizes_in_bytes(100, 100, 100, 100, 100)  # 400 bytes each
    assert assign_buckets(parameters, cap_bytes=800, first_cap_bytes=400) == [[4], [3, 2], [1, 0]]
    assert assign_buckets(parameters, cap_bytes=10**6, first_cap_bytes=10**6) == [[4, 3, 2, 1, 0]]


def test_a_parameter_larger_than_the_cap_gets_its_own_bucket_and_dtypes_do_not_mix():
    parameters = sizes_in_bytes(10, 1000, 10) + sizes_in_bytes(10, 10, dtype=np.float64)
    buckets = assign_buckets(parameters, cap_bytes=100, first_cap_bytes=100)
    assert buckets == [[4, 3], [2, 1], [0]]
    assert all(len({parameters[i].dtype for i in bucket}) == 1 for bucket in buckets)


def test_reachable_leaves_finds_the_parameters_an_output_depends_on():
    used, unused = nn.Linear(2, 2), nn.Linear(2, 2)
    output = {"logits": (used(needl.ones(1, 2)),), "other": 3}
    reached = reachable_leaves(output)
    assert {id(p) for p in used.parameters()} <= reached
    assert not {id(p) for p in unused.parameters()} & reached


def test_data_parallel_runs_the_module_in_this_process():
    model = nn.Linear(3, 2)
    wrapped = DataParallel(model, device_ids=[0, 1])  # ignored, as PyTorch's without GPUs
    input = needl.randn(4, 3)
    np.testing.assert_array_equal(wrapped(input).detach().numpy(), model(input).detach().numpy())
    assert list(wrapped.state_dict()) == ["module.weight", "module.bias"]
    assert nn.DataParallel is DataParallel and wrapped.module is model
    np.testing.assert_array_equal(data_parallel(model, input).detach().numpy(),
                                  model(input).detach().numpy())
