"""Fixtures of the multiprocessing tests."""
import os

import pytest


def count_memory_files() -> int:
    """How many of this process's descriptors and mappings are needl's shared memory files."""
    links = []
    for name in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            pass  # the descriptor listdir itself used
    with open("/proc/self/maps") as maps:
        mapped = sum("needl-shared" in line for line in maps)
    return sum("needl-shared" in link for link in links) + mapped


@pytest.fixture
def memory_files():
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts descriptors and mappings in /proc")
    return count_memory_files
