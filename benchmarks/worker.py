"""One contender's process: python benchmarks/worker.py --workload mlp --contender needl

Started by the harness (common.run_steps), one per contender: it imports only its contender's
library, builds the step, prints its first loss as a JSON line and then answers the parent's
commands on stdin (`time N`: run one untimed and N timed steps and say the mean ms per step; `finish`: say the
peak resident memory and what the libraries see, then exit). What the step prints goes to stderr.
`--info LIBRARY` prints what that library's process sees (versions, threads, BLAS) and exits.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import cores, import_library, library_info, serve  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", help="module or module:name, e.g. mlp or conv:max_pool2d")
    parser.add_argument("--contender")
    parser.add_argument("--threads", type=int, default=cores())
    parser.add_argument("--info", metavar="LIBRARY", help="print what LIBRARY's process sees (JSON) and exit")
    args = parser.parse_args()
    if args.info:
        import_library(args.info, args.threads)
        print(json.dumps(library_info(args.info)))
        return
    if not (args.workload and args.contender):
        parser.error("--workload and --contender are required")
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the protocol keeps the real stdout
    serve(args.workload, args.contender, args.threads, sys.stdin, answers)


if __name__ == "__main__":
    main()
