"""Run the whole suite: python benchmarks/run_all.py [--quick] [--json results.json] [module ...]

Prints what the figures were measured on (CPU, load, NumPy's BLAS and its kernel, PyTorch and
its threads), every workload's table, and at the end the summary table of benchmarks/README.md
(markdown). Each contender runs in its own worker process (see common.py). Run it on an idle
machine: the ratios come from one run, and the load average is printed before and after each
workload so that a busy moment shows.
"""
import argparse
import json
import subprocess
import sys

from common import HERE, ROOT, cores, load_workload, machine_header, report, torch_installed, worker_environment

MODULES = ["tape_overhead", "mlp", "cnn", "lstm", "transformer", "gpt", "dcgan", "resnet", "conv",
           "nn_layers", "dataloader_epoch", "import_time"]


def library_infos(threads):
    """What each library's own process sees, for the header."""
    infos = {}
    for library in ("needl", "torch") if torch_installed() else ("needl",):
        output = subprocess.run([sys.executable, f"{HERE}/worker.py", "--info", library, "--threads", str(threads)],
                                capture_output=True, text=True, env=worker_environment(threads), cwd=ROOT)
        if output.returncode == 0:
            infos[library] = json.loads(output.stdout)
    return infos


def cell(value, digits=2, suffix="x"):
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def summary(results):
    """The markdown table: one row per workload."""
    from common import format_ms, ratio
    lines = ["| workload | needl | NumPy by hand | PyTorch | needl / PyTorch | needl / NumPy | target "
             "| peak RSS MB needl / NumPy / PyTorch |", "|---|---|---|---|---|---|---|---|"]
    for result in results:
        contenders = result["contenders"]
        if "import needl" in contenders:  # the import-time row
            needl, torch = contenders["import needl"], contenders.get("import torch")
            lines.append(f"| `import needl` vs `import torch` (fresh process) | {format_ms(needl['median'])} ms | - | "
                         f"{format_ms(torch['median']) + ' ms' if torch else '-'} | "
                         f"{cell(ratio(result, 'import needl', 'import torch'))} | - | <= 0.25x | "
                         f"{needl['peak_rss_mb']:.0f} / - / {torch['peak_rss_mb']:.0f} |" if torch else "")
            continue
        names = {"needl": "needl", "numpy": "numpy by hand", "torch": "pytorch"}
        medians = [f"{format_ms(contenders[n]['median'])} ms" if n in contenders else "-" for n in names.values()]
        target = next((text.strip("()") for a, b, text in result["targets"] if (a, b) == ("needl", "pytorch")), "")
        memory = " / ".join(f"{contenders[n]['peak_rss_mb']:.0f}" if n in contenders else "-" for n in names.values())
        lines.append(f"| {result.get('label', result['title'])} | {' | '.join(medians)} | {cell(ratio(result, 'needl', 'pytorch'))} | "
                     f"{cell(ratio(result, 'needl', 'numpy by hand'))} | {target or '-'} | {memory} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", default=MODULES, help=f"default: {' '.join(MODULES)}")
    parser.add_argument("--quick", action="store_true", help="a short smoke run of every workload")
    parser.add_argument("--threads", type=int, default=None, help="BLAS / PyTorch threads (default: the cores)")
    parser.add_argument("--json", help="also write every result (samples included) to this file")
    parser.add_argument("--summary-of", metavar="JSON", help="print the summary table of a saved run and exit")
    args = parser.parse_args()
    if args.summary_of:
        with open(args.summary_of) as saved:
            run = json.load(saved)
        print("\n".join(run["machine"]) + "\n\n" + summary(run["results"]))
        return
    threads = args.threads or cores()
    for line in machine_header(library_infos(threads)):
        print(line)
    results, failed = [], []
    for module in args.modules:
        for name in __import__(module).WORKLOADS:
            workload_id = f"{module}:{name}"
            try:
                result = load_workload(workload_id).run(workload_id, quick=args.quick, threads=threads)
            except (RuntimeError, AssertionError) as error:
                print(f"\n{workload_id}: FAILED: {error}", file=sys.stderr, flush=True)
                failed.append(workload_id)
                continue
            report(result)
            sys.stdout.flush()
            results.append(result)
    print("\n" + summary(results))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"machine": machine_header(library_infos(threads)), "results": results}, out, indent=1)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
