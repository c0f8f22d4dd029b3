"""Soak: 10,000 small training steps keep resident memory flat (graphs freed, no state growing)."""
import os

import numpy as np
import pytest

import needl
import needl.nn as nn


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_ten_thousand_steps_keep_memory_flat():
    rng = np.random.default_rng(0)
    data = needl.tensor(rng.standard_normal((32, 16)).astype(np.float32))
    target = needl.tensor(rng.integers(0, 4, 32))
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 4))
    optimizer = needl.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = needl.optim.lr_scheduler.StepLR(optimizer, step_size=1000, gamma=0.9)
    readings = []
    for step in range(10_000):
        loss = nn.functional.cross_entropy(model(data), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % 2000 == 1999:
            readings.append(resident_bytes())
    growth = readings[-1] - readings[0]
    assert growth < 2 * 2 ** 20, f"resident memory grew by {growth / 2 ** 20:.1f} MiB over 8,000 steps: {readings}"
