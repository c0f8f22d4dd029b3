"""One contender's process: python benchmarks/worker.py --workload mlp --contender needl

Started by the harness (common.run_steps), one per contender: it imports only its contender's
library, builds the step, prints its first loss as a JSON line and then answers the parent's
commands on stdin (`time N`: run N steps and say the mean ms per step; `finish`: say the peak
resident memory and what the libraries see, then exit). What the step itself prints goes to stderr.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import cores, serve  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", required=True, help="module or module:name, e.g. mlp or conv:max_pool2d")
    parser.add_argument("--contender", required=True)
    parser.add_argument("--threads", type=int, default=cores())
    args = parser.parse_args()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the protocol keeps the real stdout
    serve(args.workload, args.contender, args.threads, sys.stdin, answers)


if __name__ == "__main__":
    main()
