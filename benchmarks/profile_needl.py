"""Where needl's time goes in one workload: python benchmarks/profile_needl.py gpt [--steps 20] [--perf]

Builds the workload's needl contender in this process, times `--steps` steps plainly, then again
under needl.profiler (per-op forward and backward time; what is left of the wall time is Python
outside the ops: module calls, the optimizer's loop, the tape's bookkeeping). With --perf, Linux
`perf` samples the same steps and splits the CPU time by library: BLAS (OpenBLAS), NumPy's loops,
the Python interpreter, the C library (memcpy, memset, malloc), the kernel (mostly page faults),
and OpenBLAS's threads polling for work between calls.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

from common import cores, import_library, load_workload

GROUPS = (("BLAS", ("openblas", "libblas", "mkl")), ("NumPy loops", ("_multiarray_umath", "libm.", "libm-", "_umath")),
          ("Python interpreter", ("libpython", "python3")), ("C library", ("libc.", "libc-", "ld-linux")),
          ("kernel", ("[kernel",)))
SPINNING = ("blas_thread_server",)  # OpenBLAS's idle threads polling for work between calls


def needl_step(workload_id, contender="needl"):
    contender = load_workload(workload_id).contenders[contender]
    library = import_library(contender.library, cores())
    step = contender.build(library)
    return step[0] if isinstance(step, tuple) else step


def perf_breakdown(step, steps):
    """Sample this process with `perf record` while it runs `steps` steps; CPU share per library."""
    with tempfile.TemporaryDirectory() as directory:
        data = os.path.join(directory, "perf.data")
        recorder = subprocess.Popen(["perf", "record", "-F", "1999", "-p", str(os.getpid()), "-o", data],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # perf attaches to every thread
        for _ in range(steps):
            step()
        recorder.send_signal(signal.SIGINT)
        recorder.wait()
        symbols = subprocess.run(["perf", "report", "-i", data, "--sort", "dso,sym", "--stdio", "-q"],
                                 capture_output=True, text=True).stdout
    shares = {}
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("%"):
            library, symbol = parts[1], parts[-1]
            if symbol in SPINNING:
                group = "BLAS threads waiting"
            else:
                group = next((name for name, keys in GROUPS if any(key in library for key in keys)), "other")
            shares[group] = shares.get(group, 0.0) + float(parts[0].rstrip("%"))
    top = [line.strip() for line in symbols.splitlines() if line.strip() and line.strip()[0].isdigit()][:15]
    return shares, top


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", help="module or module:name, e.g. gpt or nn_layers:layer_norm")
    parser.add_argument("--contender", default="needl")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--perf", action="store_true", help="also split the CPU time by library with Linux perf")
    args = parser.parse_args()
    step = needl_step(args.workload, args.contender)
    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    plain = (time.perf_counter() - start) * 1000 / args.steps
    import needl.profiler
    with needl.profiler.profile() as profile:
        for _ in range(args.steps):
            step()
    in_ops = sum(entry.total_ns for entry in profile.key_averages()) / 1e6 / args.steps
    wall = profile.wall_ns / 1e6 / args.steps
    print(f"{args.workload} ({args.contender}): {plain:.2f} ms per step; profiled {wall:.2f} ms, of which "
          f"{in_ops:.2f} ms ({in_ops / wall:.0%}) in recorded ops, {wall - in_ops:.2f} ms outside them")
    print(profile.key_averages().table(row_limit=args.rows))
    if args.perf:
        shares, top = perf_breakdown(step, args.steps)
        print("CPU time by library (perf): " + ", ".join(f"{name} {share:.0f}%" for name, share in
                                                        sorted(shares.items(), key=lambda item: -item[1])))
        print("top symbols:\n  " + "\n  ".join(top))


if __name__ == "__main__":
    sys.exit(main())
