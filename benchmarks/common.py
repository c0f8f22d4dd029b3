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


def peak_memory(step):
    """Peak bytes allocated (NumPy arrays included) during one call of `step`, in MB."""
    import gc
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def print_memory(steps, baseline):
    """Peak memory of one step of each, and the ratio to the baseline's."""
    peaks = {name: peak_memory(step) for name, step in steps.items() if name != "pytorch"}
    for name, peak in peaks.items():
        print(f"peak memory {name:<16}{peak:8.2f} MB  {peak / peaks[baseline]:.2f}x")
    return peaks
