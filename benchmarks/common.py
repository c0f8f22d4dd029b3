"""Shared benchmark helpers: interleaved timing rounds, medians, ratios, optional PyTorch."""
import os
import statistics
import time

# PyTorch's OpenMP threads spin after each parallel region by default; sharing a small machine
# with NumPy's BLAS threads in one process, that spinning multiplies every contender's median.
# Set before torch is imported (optional_torch); a value given by the caller is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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


def compare(title, steps, rounds, repeat, baseline="numpy by hand", targets=(), tolerance=1e-4):
    """Check that every step computes the baseline's first loss, then time and report them all.

    `steps` maps a name to a training-step function returning the loss as a float; `targets`
    holds (numerator, denominator, text) triples printed as ratio lines, e.g.
    ("needl", "pytorch", "target <= 1.0x").
    """
    first = {name: step() for name, step in steps.items()}
    for name, loss in first.items():
        assert abs(loss - first[baseline]) < tolerance * max(1.0, abs(first[baseline])), \
            f"{name} computes a different loss: {first}"
    samples = interleaved(steps, rounds=rounds, repeat=repeat, warmup=2)
    print(f"{title} (first losses agree: {first[baseline]:.5f})")
    medians = report(samples, baseline)
    for numerator, denominator, text in targets:
        if numerator in medians and denominator in medians:
            print(f"{numerator} / {denominator}: {medians[numerator] / medians[denominator]:.2f}x {text}")
    print_memory(steps, baseline)
    return medians


def load_weights(library, layers, weights):
    """Copy (weight, bias) NumPy pairs into layers: the same code for needl and PyTorch."""
    with library.no_grad():
        for layer, (weight, bias) in zip(layers, weights):
            layer.weight.copy_(library.from_numpy(weight))
            layer.bias.copy_(library.from_numpy(bias))


def classification_step(library, model, inputs, targets, lr):
    """One SGD step on cross-entropy, written once for needl and PyTorch (same API); returns the loss."""
    optimizer = library.optim.SGD(model.parameters(), lr=lr)
    loss_function = library.nn.functional.cross_entropy
    inputs, targets = library.from_numpy(inputs), library.from_numpy(targets)

    def step():
        loss = loss_function(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step
