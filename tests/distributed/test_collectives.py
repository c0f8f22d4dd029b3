"""Every collective against NumPy's answer, on 2 ranks under mpirun (one job for all checks)."""
import pytest

import checks_collectives
from mpi_checks import check_names
from mpi_launch import assert_check_passed


@pytest.mark.parametrize("name", check_names(checks_collectives))
def test_collective_on_two_ranks(name):
    assert_check_passed(name)
