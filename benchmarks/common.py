"""The benchmark harness: each contender in its own worker process, timed in interleaved rounds.

A workload module (mlp.py, gpt.py, ...) defines `WORKLOADS`, a dict of name -> StepWorkload (or
another object with the same `run`). A StepWorkload holds its contenders: name -> Contender(library,
build). `run` starts one worker process per contender (`worker.py`), each importing only its own
library (NumPy, needl or PyTorch) with its own defaults and as many BLAS / PyTorch threads as the
machine has cores; nobody sets OMP_WAIT_POLICY or any other handicap. Every worker builds the
same model from the same NumPy-drawn weights and batch (regenerated from a seed in each worker),
reports its first loss (the parent checks that they agree), then times `repeat` steps whenever
the parent asks: rounds go A B C, B C A, C A B, ... so that every contender shares the machine's
drifts. Reported: median ms per step over the rounds, min and max, ratios, and each worker's peak
resident memory (ru_maxrss) beside its resident memory right after its imports.
"""
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# the needl of this checkout, wherever the script is started from (or the one a worker is given)
NEEDL_ROOT = os.environ.get("NEEDL_BENCH_ROOT", ROOT)
if NEEDL_ROOT not in sys.path:
    sys.path.insert(0, NEEDL_ROOT)
BASELINE = " (baseline)"  # suffix of the contenders that run another checkout's needl (--baseline)
LIBRARIES = ("numpy", "needl", "torch")
# switches that change how OpenMP threads wait; a fair run leaves every library at its default
WAIT_SWITCHES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")
# BLAS and OpenMP threads spin for a while after their last call before they sleep (OpenBLAS up
# to ~0.1 s): the next contender's round starts only when the previous one's threads are asleep
SETTLE_SECONDS = 0.25


@dataclass
class Contender:
    """One way of running a workload: `library` is what its worker imports and sets threads for
    ("numpy", "needl" or "torch"); `build(module)` gets that module and returns the step function,
    which runs one training step and returns its loss (a float, a tuple of floats or None), or the
    pair (step, check) where check() returns floats that say what the last step computed."""
    library: str
    build: Callable


@dataclass
class StepWorkload:
    """A training step (or any repeated call) timed in one worker process per contender."""
    title: str
    contenders: dict
    label: str = ""                  # a short name for the summary table (default: the title)
    rounds: int = 11
    repeat: int = 5
    warmup: int = 3
    tolerance: float | None = 1e-4   # relative agreement of the first losses; None: not comparable
    targets: tuple = ()              # (numerator, denominator, text): ratio lines for the report
    note: str = ""
    extra: dict = field(default_factory=dict)  # figures computed by the workload, e.g. GFLOP

    def run(self, workload_id, quick=False, threads=None, only=None, baseline=None, cpu_time=False):
        return run_steps(self, workload_id, quick=quick, threads=threads, only=only, baseline=baseline,
                         cpu_time=cpu_time)


# ---- the machine ----------------------------------------------------------------------------

def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_installed():
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def library_info(library):
    """What a worker sees of its libraries: versions, threads, BLAS and its kernel (threadpoolctl)."""
    import numpy
    info = {"python": platform.python_version(), "numpy": numpy.__version__}
    try:
        import threadpoolctl
        info["threadpools"] = [{key: pool.get(key) for key in
                                ("internal_api", "version", "architecture", "num_threads", "prefix")}
                               for pool in threadpoolctl.threadpool_info()]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed (pip install threadpoolctl)"
    if library == "torch":
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_backends"] = [line.strip() for line in torch.__config__.parallel_info().splitlines()
                                  if "Math Kernel" in line or "MKL-DNN" in line or "backend" in line]
    return info


def describe_pools(info):
    pools = info.get("threadpools")
    if isinstance(pools, str):
        return pools
    described = []
    for pool in pools:
        kernel = f", {pool['architecture']} kernel" if pool.get("architecture") else ""
        described.append(f"{pool['internal_api']} {pool['version'] or ''} ({pool['prefix']}{kernel}, "
                         f"{pool['num_threads']} threads)".replace(" (", " (", 1).replace("  ", " "))
    return ", ".join(described)


def machine_header(infos):
    """Lines that say what the figures were measured on; `infos` maps library -> library_info."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [f"machine: {cpu_model()}, {cores()} cores, load average {load}",
             f"python {platform.python_version()}, numpy {infos.get('numpy', infos.get('needl', {})).get('numpy')}"]
    for library, info in infos.items():
        line = f"{library}: {describe_pools(info)}"
        if library == "torch":
            line += f"; torch {info['torch']}, {info['torch_threads']} threads; " + "; ".join(info["torch_backends"])
        lines.append(line)
    return lines


def worker_environment(threads, needl_root=ROOT):
    """The environment of every worker: all BLAS/OpenMP pools at `threads`, no wait-policy switches,
    needl imported from `needl_root`."""
    environment = dict(os.environ)
    for name in WAIT_SWITCHES:
        environment.pop(name, None)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        environment[name] = str(threads)
    environment["NEEDL_BENCH_ROOT"] = needl_root
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [needl_root, HERE, environment.get("PYTHONPATH")]))
    return environment


def peak_rss_mb():
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


# ---- the parent: workers, interleaved rounds ------------------------------------------------

class Worker:
    """A contender's process; it answers one JSON line per command (see worker.py)."""

    def __init__(self, workload_id, contender, threads, needl_root=ROOT):
        self.name = contender
        self.stderr = tempfile.TemporaryFile("w+")  # a file, not a pipe: a chatty worker cannot block
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "worker.py"), "--workload", workload_id,
             "--contender", contender, "--threads", str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
            env=worker_environment(threads, needl_root), cwd=ROOT)

    def ask(self, command):
        if command is not None:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.stderr.seek(0)
            error = self.stderr.read()
            raise RuntimeError(f"worker {self.name!r} died:\n{error[-3000:]}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"worker {self.name!r} failed:\n{answer['error']}")
        return answer

    def close(self):
        """Let the worker exit (it does after `finish` or at the end of its input), else end it."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def losses_agree(first, tolerance):
    """None when the first losses agree to `tolerance` (relative), else the message saying why."""
    if tolerance is None:
        return None
    values = {name: loss if isinstance(loss, list) else [loss] for name, loss in first.items()
              if loss is not None}  # a contender without a loss (bare GEMMs) is not compared
    if not values:
        return None
    reference_name, reference = next(iter(values.items()))
    for name, losses in values.items():
        if len(losses) != len(reference) or any(
                abs(a - b) > tolerance * max(1.0, abs(b)) for a, b in zip(losses, reference)):
            return f"{name} computes {losses}, {reference_name} {reference} (tolerance {tolerance})"
    return None


def run_steps(workload, workload_id, quick=False, threads=None, only=None, baseline=None, cpu_time=False):
    """Time every contender of `workload` in its own worker; returns the result dict.

    With `baseline` (the root of another needl checkout), every needl contender runs twice: as
    is, and as "<name> (baseline)" with that checkout's needl: a before/after in one run.
    With `cpu_time`, the figures are the workers' CPU time (process_time, all their threads) rather
    than wall time: steadier on a shared machine, and with one thread the same thing."""
    threads = threads or cores()
    names = [name for name, contender in workload.contenders.items()
             if (only is None or name in only) and (contender.library != "torch" or torch_installed())]
    if baseline:
        names += [name + BASELINE for name in names if workload.contenders[name].library == "needl"]
    rounds, repeat, warmup = (2, 1, 1) if quick else (workload.rounds, workload.repeat, workload.warmup)
    workers = {}
    result = {"id": workload_id, "title": workload.title, "label": workload.label or workload.title,
              "contenders": {}, "note": workload.note,
              "rounds": rounds, "repeat": repeat, "targets": list(workload.targets),
              "extra": workload.extra, "load_before": os.getloadavg()[0], "clock": "cpu" if cpu_time else "wall"}
    try:
        for name in names:  # they set up side by side; timing starts when all are ready
            if name.endswith(BASELINE):
                workers[name] = Worker(workload_id, name[:-len(BASELINE)], threads, os.path.abspath(baseline))
            else:
                workers[name] = Worker(workload_id, name, threads)
        ready = {name: worker.ask(None) for name, worker in workers.items()}
        first = {name: answer["first_loss"] for name, answer in ready.items()}
        result["first_losses"] = first
        result["disagreement"] = losses_agree(first, workload.tolerance)
        if result["disagreement"]:
            raise AssertionError(f"{workload.title}: the contenders disagree: {result['disagreement']}")
        for worker in workers.values():
            worker.ask(f"time {warmup}")
        samples = {name: [] for name in names}
        for round_index in range(rounds):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                time.sleep(SETTLE_SECONDS)
                samples[name].append(workers[name].ask(f"time {repeat}")["cpu_ms" if cpu_time else "ms"])
        for name, worker in workers.items():
            final = worker.ask("finish")
            result["contenders"][name] = {
                "library": workload.contenders[name.removesuffix(BASELINE)].library, "samples": samples[name],
                "median": statistics.median(samples[name]), "min": min(samples[name]),
                "max": max(samples[name]), "first_loss": first[name],
                "rss_after_imports_mb": ready[name]["rss_after_imports_mb"],
                "peak_rss_mb": final["peak_rss_mb"], "info": final["info"]}
    finally:
        for worker in workers.values():
            worker.close()
    result["load_after"] = os.getloadavg()[0]
    return result


# ---- the worker side --------------------------------------------------------------------------

def import_library(library, threads):
    """Import a contender's library the way a user's program does, with `threads` threads."""
    if library == "numpy":
        import numpy
        return numpy
    if library == "needl":
        import needl
        import needl.nn  # noqa: F401  (needl.nn, as torch.nn)
        return needl
    if library == "torch":
        import torch
        torch.set_num_threads(threads)
        return torch
    raise ValueError(f"unknown library {library!r}; expected one of {LIBRARIES}")


def load_workload(workload_id):
    """'module' or 'module:name' -> the StepWorkload (a module with one workload may omit the name)."""
    import importlib
    module_name, _, name = workload_id.partition(":")
    module = importlib.import_module(module_name)
    workloads = module.WORKLOADS
    if not name:
        if len(workloads) != 1:
            raise KeyError(f"{module_name} has several workloads, name one: {', '.join(workloads)}")
        name = next(iter(workloads))
    return workloads[name]


def as_floats(loss):
    if loss is None:
        return None
    if isinstance(loss, (tuple, list)):
        return [float(value) for value in loss]
    return float(loss)


def serve(workload_id, contender_name, threads, commands=sys.stdin, answers=None):
    """The worker's loop: build the step, report the first loss, then answer `time n` / `finish`."""
    answers = answers or sys.stdout

    def answer(**message):
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    try:
        contender = load_workload(workload_id).contenders[contender_name]
        library = import_library(contender.library, threads)
        rss_after_imports = peak_rss_mb()
        step = contender.build(library)
        if isinstance(step, tuple):  # (step, check): check() says what the step computed
            step, check = step
            step()
            first_loss = as_floats(check())
        else:
            first_loss = as_floats(step())
        answer(first_loss=first_loss, rss_after_imports_mb=rss_after_imports)
        for line in commands:
            command, _, argument = line.strip().partition(" ")
            if command == "time":
                count = int(argument)
                step()  # untimed: the first step after the pause refills caches and wakes threads
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(count):
                    loss = step()
                elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
                answer(ms=elapsed * 1000 / count, cpu_ms=elapsed_cpu * 1000 / count, loss=as_floats(loss))
            elif command == "finish":
                answer(peak_rss_mb=peak_rss_mb(), info=library_info(contender.library))
                return
            else:
                raise ValueError(f"unknown command {line!r}")
    except BaseException:
        import traceback
        answer(error=traceback.format_exc())
        raise SystemExit(1)


# ---- reporting --------------------------------------------------------------------------------

def ratio(result, numerator, denominator):
    contenders = result["contenders"]
    if numerator in contenders and denominator in contenders:
        return contenders[numerator]["median"] / contenders[denominator]["median"]
    return None


def format_ms(value):
    return f"{value:.4f}" if value < 0.1 else f"{value:.3f}" if value < 10 else f"{value:.1f}"


def report(result, out=sys.stdout):
    """Print one workload's table: medians, spread, ratios, memory, and its target lines."""
    contenders = result["contenders"]
    losses = result.get("first_losses", {})
    check = ("first losses agree: " + ", ".join(f"{name} {loss}" for name, loss in losses.items()
                                                 if loss is not None)
             if result.get("disagreement") is None and losses else "first losses not compared")
    print(f"\n{result['title']}", file=out)
    print(f"  {check}", file=out)
    unit = "process start" if result["repeat"] == 1 and not losses else f"{result['repeat']} steps"
    print(f"  {result['rounds']} interleaved rounds of {unit}; load average "
          f"{result['load_before']:.2f} -> {result['load_after']:.2f}", file=out)
    references = [name for name in ("pytorch", "numpy by hand") if name in contenders]
    header = f"  {'':<32}{'median ms' if result.get('clock') != 'cpu' else 'median cpu':>11}{'min':>10}{'max':>10}" + "".join(
        f"{'/ ' + name:>16}" for name in references) + f"{'peak RSS MB':>13}{'after imports':>15}"
    print(header, file=out)
    for name, entry in contenders.items():
        cells = "".join(f"{ratio(result, name, reference):>15.2f}x" for reference in references)
        print(f"  {name:<32}{format_ms(entry['median']):>11}{format_ms(entry['min']):>10}"
              f"{format_ms(entry['max']):>10}{cells}{entry['peak_rss_mb']:>13.0f}"
              f"{entry['rss_after_imports_mb']:>15.0f}", file=out)
    for numerator, denominator, text in result["targets"]:
        value = ratio(result, numerator, denominator)
        if value is not None:
            print(f"  {numerator} / {denominator}: {value:.2f}x {text}", file=out)
    for name in contenders:
        if name + BASELINE in contenders:
            print(f"  {name} / {name + BASELINE}: {ratio(result, name, name + BASELINE):.2f}x", file=out)
    if result.get("note"):
        print(f"  {result['note']}", file=out)


def main(module_name, argv=None):
    """The command line of a workload script: python benchmarks/<module>.py [--quick] [name ...]."""
    import argparse
    module = __import__(module_name)
    parser = argparse.ArgumentParser(description=module.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"workloads to run (default all: {', '.join(module.WORKLOADS)})")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", type=int, default=None, help="BLAS / PyTorch threads (default: the cores)")
    parser.add_argument("--contenders", nargs="*", default=None, help="only these contenders")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="also run every needl contender with the needl of this other checkout (before/after)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="report the workers' CPU time instead of wall time (steadier on a shared machine)")
    args = parser.parse_args(argv)
    failed = []
    for name in args.names or module.WORKLOADS:
        try:
            options = {"baseline": args.baseline} if args.baseline else {}
            if args.cpu_time:
                options["cpu_time"] = True
            result = module.WORKLOADS[name].run(f"{module_name}:{name}", quick=args.quick,
                                                threads=args.threads, only=args.contenders, **options)
            report(result)
        except (RuntimeError, AssertionError) as error:
            print(f"\n{name}: FAILED: {error}", file=sys.stderr)
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


# ---- shared by the workloads --------------------------------------------------------------------

def uniform_initializer(name, shape, rng):
    """PyTorch's default for Linear/Conv: uniform(+-1/sqrt(fan_in)); biases likewise from their size."""
    import numpy as np
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    bound = 1 / np.sqrt(max(fan_in, 1))
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def initial_parameters(shapes, seed=0, initializer=uniform_initializer, keep=()):
    """name -> float32 array for every (name, shape), each drawn from its own seed (name-based, so
    that order does not matter). Names ending in one of `keep` are left out (their defaults stay)."""
    import numpy as np
    arrays = {}
    for name, shape in shapes.items():
        if any(name.endswith(suffix) for suffix in keep):
            continue
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        arrays[name] = initializer(name, tuple(shape), rng)
    return arrays


def load_parameters(library, module, seed=0, initializer=uniform_initializer, keep=()):
    """Overwrite the parameters of a needl or PyTorch module with initial_parameters (same code)."""
    named = dict(module.named_parameters())
    arrays = initial_parameters({name: tuple(p.shape) for name, p in named.items()}, seed, initializer, keep)
    with library.no_grad():
        for name, array in arrays.items():
            named[name].copy_(library.from_numpy(array))
    return arrays


def load_weights(library, layers, weights):
    """Copy (weight, bias) NumPy pairs into layers: the same code for needl and PyTorch."""
    with library.no_grad():
        for layer, (weight, bias) in zip(layers, weights):
            layer.weight.copy_(library.from_numpy(weight))
            layer.bias.copy_(library.from_numpy(bias))


def training_step(library, model, inputs, targets, lr, optimizer=None, loss_function=None):
    """One training step, written once for needl and PyTorch (same API): the loss (cross-entropy
    unless given) of model(inputs) against targets, backward, the optimizer's step (SGD at `lr`
    unless given); returns a step function that returns the loss. step.model is the model."""
    optimizer = optimizer or library.optim.SGD(model.parameters(), lr=lr)
    loss_function = loss_function or library.nn.functional.cross_entropy
    inputs, targets = library.from_numpy(inputs), library.from_numpy(targets)

    def step():
        loss = loss_function(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    step.model = model
    return step
