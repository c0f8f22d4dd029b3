"""Run every benchmark of the suite, one after the other: python benchmarks/run_all.py [--quick]

Each script checks that its contenders compute the same loss before timing them, and prints
its own table; run on an otherwise idle machine, since the ratios come from one run.
"""
import argparse
import os
import subprocess
import sys

SCRIPTS = ["tape_overhead.py", "mlp.py", "cnn.py", "lstm.py", "transformer.py", "conv.py", "nn_layers.py"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run of each script")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    failed = []
    for script in SCRIPTS:
        path = os.path.join(here, script)
        if not os.path.exists(path):
            continue
        print(f"\n=== {script} ===", flush=True)
        command = [sys.executable, path] + (["--quick"] if args.quick else [])
        if subprocess.run(command).returncode != 0:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
