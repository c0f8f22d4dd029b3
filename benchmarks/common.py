"""Shared benchmark helpers: interleaved timing rounds, medians, ratios, optional PyTorch."""
import os
import statistics
import time


def optional_torch():
    """PyTorch if installed (with as many threads as NumPy's BLAS gets), else None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    return torch


def interleaved(steps, rounds=15, repeat=50, warmup=5):
    """Time each step function `repeat` times per round, rounds interleaved; ms per call."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(repeat):
                step()
            samples[name].append((time.perf_counter() - start) * 1000 / repeat)
    return samples


def report(samples, baseline, unit="ms"):
    """Print median, min-max and the ratio of each median to the baseline's."""
    reference = statistics.median(samples[baseline])
    print(f"{'':<18}{'median':>12}{'min':>10}{'max':>10}  ratio to {baseline}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<18}{median:>10.4f}{unit}{min(values):>10.4f}{max(values):>10.4f}  "
              f"{median / reference:.2f}x")
    return {name: statistics.median(values) for name, values in samples.items()}
