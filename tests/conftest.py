"""Shared fixtures: every test starts from the same seed and default dtype."""
import pytest

import needl


@pytest.fixture(autouse=True)
def _seed_and_defaults():
    needl.manual_seed(0)
    previous = needl.get_default_dtype()
    yield
    needl.set_default_dtype(previous)
    needl.autograd.set_detect_anomaly(False)
