"""Data-parallel throughput: 1 process with 2 BLAS threads against 2 processes with 1 each.

    python benchmarks/distributed.py              # MLP and CNN, 3 interleaved rounds, a few minutes
    python benchmarks/distributed.py --quick      # a smoke run

Both train the same model on the same global batch per step (the single process on all of it,
each rank on half, DistributedDataParallel averaging the gradients). Printed: images/s, the
share of the backward pass during which a gradient all-reduce was in flight (and how much of
the communication was hidden behind computation), the all-reduce bandwidth measured on the
gradient's size, and the cost model of docs/distributed.md checked against the 2-process step
and used to predict N machines at a few network bandwidths.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GLOBAL_BATCH = {"mlp": 128, "cnn": 64}


def build(name: str):
    import needl.nn as nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                             nn.ReLU(), nn.Linear(512, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def union_within(intervals, start: float, stop: float) -> float:
    """Length of the union of `intervals`, clipped to [start, stop]."""
    total, reach = 0.0, start
    for begin, end in sorted(intervals):
        begin, end = max(begin, reach), min(end, stop)
        if end > begin:
            total += end - begin
            reach = end
    return total


def worker(name: str, steps: int, warmup: int, batch: int = None) -> None:
    """One process of a measurement: train `steps` steps, print a JSON line (rank 0)."""
    import numpy as np

    import needl
    import needl.nn as nn
    distributed = "OMPI_COMM_WORLD_SIZE" in os.environ or "PMI_SIZE" in os.environ
    rank, size, ddp = 0, 1, None
    needl.manual_seed(0)
    model = build(name)
    if distributed:
        import needl.distributed as dist
        from needl.nn.parallel import DistributedDataParallel
        dist.init_process_group("mpi")
        rank, size = dist.get_rank(), dist.get_world_size()
        model = ddp = DistributedDataParallel(model)
    batch = batch or GLOBAL_BATCH[name] // size
    rng = np.random.default_rng(rank)
    images = needl.tensor(rng.random((batch, 1, 28, 28), dtype=np.float32))
    labels = needl.tensor(rng.integers(0, 10, batch))
    optimizer = needl.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    step_times, backward_times, overlap, hidden, comm_times = [], [], [], [], []
    for step in range(warmup + steps):
        if ddp is not None:
            dist.barrier()  # start the ranks' steps together
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels)
        backward_start = time.perf_counter()
        loss.backward()
        backward_end = time.perf_counter()
        optimizer.step()
        end = time.perf_counter()
        if step < warmup:
            continue
        step_times.append(end - start)
        backward_times.append(backward_end - backward_start)
        if ddp is not None:
            timing = ddp.reducer.timing
            comm = sum(stop - begin for begin, stop in timing["comm"])
            comm_times.append(comm)
            in_flight = union_within(timing["comm"], backward_start, timing["replay_end"])
            overlap.append(in_flight / (backward_end - backward_start))
            hidden.append(in_flight / comm if comm else 0.0)
    result = {"model": name, "processes": size, "batch_per_process": batch,
              "step_s": statistics.median(step_times), "backward_s": statistics.median(backward_times),
              "parameters": sum(p.numel() for p in model.parameters())}
    if ddp is not None:
        gradient = np.ones(result["parameters"], dtype=np.float32)
        allreduce = []
        for _ in range(10):  # the bare all-reduce of the whole gradient, for the cost model
            dist.barrier()
            begin = time.perf_counter()
            dist.all_reduce(needl.tensor(gradient))
            allreduce.append(time.perf_counter() - begin)
        result.update(overlap=statistics.median(overlap), hidden=statistics.median(hidden),
                      comm_s=statistics.median(comm_times), allreduce_s=statistics.median(allreduce))
        dist.destroy_process_group()
    if rank == 0:
        print(json.dumps(result), flush=True)


def measure(name: str, processes: int, threads: int, steps: int, warmup: int,
            batch: int = None) -> dict:
    from needl.distributed.run import mpirun_command
    environment = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS=str(threads),
                       OMP_NUM_THREADS=str(threads))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        environment.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        environment.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    program = [sys.executable, __file__, "--worker", name, "--steps", str(steps), "--warmup",
               str(warmup)] + (["--batch", str(batch)] if batch else [])
    command = mpirun_command(processes, program) if processes > 1 else program
    output = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900)
    lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
    if output.returncode or not lines:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}")
    return json.loads(lines[-1])


def ring_seconds(gradient_bytes: float, machines: int, bandwidth: float, latency: float) -> float:
    """Ring all-reduce: each rank sends and receives 2(N-1)/N of the gradient, in 2(N-1) steps."""
    if machines == 1:
        return 0.0
    return 2 * (machines - 1) / machines * gradient_bytes / bandwidth + 2 * (machines - 1) * latency


def report(single: dict, double: dict, half: dict) -> None:
    name, batch = single["model"], GLOBAL_BATCH[single["model"]]
    print(f"\n{name.upper()} ({single['parameters']:,} parameters, global batch {batch})")
    print(f"  1 process, 2 BLAS threads:   {batch / single['step_s']:8,.0f} images/s "
          f"({1000 * single['step_s']:.1f} ms/step)")
    print(f"  2 processes, 1 thread each:  {batch / double['step_s']:8,.0f} images/s "
          f"({1000 * double['step_s']:.1f} ms/step) = {single['step_s'] / double['step_s']:.2f}x")
    print(f"  backward {1000 * double['backward_s']:.1f} ms; all-reduce in flight during "
          f"{100 * double['overlap']:.0f}% of it; {100 * double['hidden']:.0f}% of the "
          f"communication ({1000 * double['comm_s']:.1f} ms) overlapped computation")
    gradient_bytes = 4 * double["parameters"]
    # the bare all-reduce of the gradient on 2 ranks moves 2(N-1)/N = 1 gradient per rank
    bandwidth = gradient_bytes / double["allreduce_s"]
    print(f"  bare all-reduce of the {gradient_bytes / 1e6:.1f} MB gradient on 2 local ranks: "
          f"{1000 * double['allreduce_s']:.2f} ms ({bandwidth / 1e9:.2f} GB/s per rank)")
    # cost model: step(N) = compute(batch per rank, 1 core) + the part of the all-reduce not hidden
    compute = half["step_s"]
    exposed = 1 - double["hidden"]
    predicted = compute + exposed * ring_seconds(gradient_bytes, 2, bandwidth, 0.0)
    print(f"  cost model, 2 processes: {1000 * compute:.1f} ms compute (1 process, 1 thread, batch "
          f"{batch // 2}) + {100 * exposed:.0f}% of the all-reduce exposed = {1000 * predicted:.1f} "
          f"ms/step predicted, {1000 * double['step_s']:.1f} ms measured")
    unhidden = compute + ring_seconds(gradient_bytes, 2, bandwidth, 0.0)
    print(f"  without overlap credit (all of it exposed): {1000 * unhidden:.1f} ms/step; what is "
          f"left is CPU the local all-reduce and bucket copies take from the computation on shared "
          f"cores, and the ranks waiting for each other")
    print(f"  predicted images/s on N machines (1 core and {batch // 2} images each per step, "
          f"ring all-reduce, 50 us latency, {100 * exposed:.0f}% of it exposed):")
    machines = (1, 2, 4, 8, 16, 64)
    print("    bandwidth    " + "".join(f"{f'N={n}':>10}" for n in machines))
    for label, bytes_per_second in (("1 Gb/s", 1e9 / 8), ("10 Gb/s", 1e10 / 8), ("100 Gb/s", 1e11 / 8)):
        cells = [f"{n * (batch // 2) / (compute + exposed * ring_seconds(gradient_bytes, n, bytes_per_second, 50e-6)):10,.0f}"
                 for n in machines]
        print(f"    {label:<13}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=sorted(GLOBAL_BATCH))
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=None, help="(worker) images per process")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the fastest counts")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--models", default="mlp,cnn")
    arguments = parser.parse_args()
    if arguments.worker:
        worker(arguments.worker, arguments.steps, arguments.warmup, arguments.batch)
        return
    for name in arguments.models.split(","):
        steps = arguments.steps or (3 if arguments.quick else {"mlp": 60, "cnn": 15}[name])
        runs = {"single": [], "double": [], "half": []}
        for _ in range(1 if arguments.quick else arguments.rounds):  # interleaved: same noise for all
            runs["single"].append(measure(name, 1, 2, steps, arguments.warmup))
            runs["double"].append(measure(name, 2, 1, steps, arguments.warmup))
            runs["half"].append(measure(name, 1, 1, steps, arguments.warmup,
                                        batch=GLOBAL_BATCH[name] // 2))
        # the fastest round of each: on a shared machine the others measure the neighbours
        report(*(min(results, key=lambda result: result["step_s"]) for results in runs.values()))


if __name__ == "__main__":
    main()
