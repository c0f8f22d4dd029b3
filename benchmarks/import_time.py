"""Start-up cost: `import needl` against `import torch`, each in a fresh Python process.

Every round starts each command once, in turn (interleaved), and times the whole process from
its start to its exit (the interpreter's own start-up is measured too, as `python -c pass`);
peak memory is the child's ru_maxrss. Run: python benchmarks/import_time.py [--quick]
"""
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, torch_installed, worker_environment, main

COMMANDS = {
    "python -c pass": "pass",
    "import numpy": "import numpy",
    "import needl": "import needl",
    "import needl + nn, optim, data": "import needl, needl.nn, needl.nn.functional, needl.optim, needl.utils.data",
    "import torch": "import torch",
}


def timed_process(code, environment):
    """(wall ms, peak resident MB) of one `python -c code` from start to exit."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], env=environment, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"python -c {code!r} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


class ImportWorkload:
    title = "import time: a fresh `python -c '<import>'` process from start to exit (ms)"

    def run(self, workload_id, quick=False, threads=None, only=None):
        environment = worker_environment(threads or os.cpu_count() or 1)
        names = [name for name in COMMANDS if (only is None or name in only)
                 and (name != "import torch" or torch_installed())]
        rounds = 3 if quick else 15
        for name in names:  # warm the file cache: a cold first start measures the disk
            timed_process(COMMANDS[name], environment)
        samples = {name: [] for name in names}
        peaks = {name: 0.0 for name in names}
        load_before = os.getloadavg()[0]
        for round_index in range(rounds):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                elapsed, peak = timed_process(COMMANDS[name], environment)
                samples[name].append(elapsed)
                peaks[name] = max(peaks[name], peak)
        result = {"id": workload_id, "title": self.title, "rounds": rounds, "repeat": 1,
                  "load_before": load_before, "load_after": os.getloadavg()[0], "first_losses": {},
                  "disagreement": None, "extra": {},
                  "targets": [("import needl", "import torch", "(target <= 0.25x)"),
                              ("import needl + nn, optim, data", "import torch", "")],
                  "note": "", "contenders": {}}
        for name, values in samples.items():
            result["contenders"][name] = {"library": name, "samples": values, "median": statistics.median(values),
                                          "min": min(values), "max": max(values), "peak_rss_mb": peaks[name],
                                          "rss_after_imports_mb": peaks[name], "first_loss": None, "info": {}}
        interpreter = result["contenders"].get("python -c pass")
        if interpreter and "import torch" in samples and "import needl" in samples:
            base = interpreter["median"]
            over = (result["contenders"]["import needl"]["median"] - base) / \
                (result["contenders"]["import torch"]["median"] - base)
            result["note"] = f"beyond the interpreter's own start-up: import needl / import torch = {over:.2f}x"
        return result


WORKLOADS = {"import_time": ImportWorkload()}


if __name__ == "__main__":
    main("import_time")
