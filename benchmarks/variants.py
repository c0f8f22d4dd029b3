"""Any workload run again with extra needl contenders, each built after a change to the process
or to needl (process_settings.py, prototypes.py): `Variants(module_name, changes)` is such a
module's WORKLOADS, looked up by the workers as "<module>:<workload id>"."""
import argparse
import sys

from common import Contender, StepWorkload, load_workload, report


def after(changes, build):
    """A build function that first applies `changes` (each a function of the library)."""
    def built(library):
        for change in changes:
            library = change(library) or library
        return build(library)
    return built


def variant(workload_id, changes):
    """The workload's needl and pytorch contenders, plus one needl contender per entry of
    `changes` (name -> tuple of changes), with their ratios to pytorch and to needl as is."""
    workload = load_workload(workload_id)
    contenders = {name: workload.contenders[name] for name in ("needl", "pytorch") if name in workload.contenders}
    for name, applied in changes.items():
        contenders[name] = Contender("needl", after(applied, workload.contenders["needl"].build))
    targets = tuple((name, "pytorch", "") for name in contenders if name != "pytorch" and "pytorch" in contenders)
    return StepWorkload(title=workload.title, label=workload.label, contenders=contenders, rounds=workload.rounds,
                        repeat=workload.repeat, warmup=workload.warmup, tolerance=workload.tolerance,
                        targets=targets + tuple((name, "needl", "") for name in changes))


class Variants(dict):
    """name -> StepWorkload; a missing name is a workload id, built as its variant on first use."""

    def __init__(self, module_name, changes, **fixed):
        super().__init__(fixed)
        self.module_name, self.changes = module_name, changes

    def __missing__(self, workload_id):
        self[workload_id] = variant(workload_id, self.changes)
        return self[workload_id]

    def main(self, description):
        parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("workloads", nargs="+", help="workload ids: module or module:name, e.g. gpt, "
                                                         "kernels:layer_norm" + "".join(f", {name}" for name in self))
        parser.add_argument("--quick", action="store_true")
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--cpu-time", action="store_true")
        args = parser.parse_args()
        for workload_id in args.workloads:
            report(self[workload_id].run(f"{self.module_name}:{workload_id}", quick=args.quick, threads=args.threads,
                                         cpu_time=args.cpu_time))
        sys.exit(0)
