"""Entry point of the benchmarks' child processes: ``python -m bench.child TASK [ARGS...]``.

Each task does one measured thing in a fresh interpreter and prints one JSON object with the
process's peak RSS (bench.measure.run_child reads it). Tasks import what they need themselves,
so one child never carries another's libraries.
"""

from __future__ import annotations

import importlib
import json
import sys

from bench.measure import peak_rss_kb

TASKS = {
    "transform": "bench.transform",
    "scale-library": "bench.scale",
    "scale-pyarrow-read": "bench.scale",
    "lambda-step": "bench.steps",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(f"usage: python -m bench.child {{{','.join(TASKS)}}} [ARGS...]", file=sys.stderr)
        return 2
    task, args = argv[0], argv[1:]
    module = importlib.import_module(TASKS[task])
    answer = module.child_main(task, args)
    print(json.dumps({**answer, "peak_rss_kb": peak_rss_kb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
