"""``etl show RUN``: one local run as an operator asks about it.

Its status and trigger, counts, the seconds spent in each state (moto keeps the execution
history in the process that ran it only, so the runner writes them into the run log), the
error, every rejected row with its reason (rejects/<run>/<source>.csv) and the log's path.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from covid_etl import aws, keys
from covid_etl.sources import SPECS
from covid_etl.triggers import trigger_kind
from etl_tools.command import add_command
from etl_tools.local.runner import STATE_TIMINGS, embedded_aws

NO_SUCH_RUN = 1


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "show",
        cmd_show,
        help="one run: counts, time per state, errors, rejects with reasons, log path",
        description="Show one local run (an id from `etl runs`): status, trigger, counts, the "
        "seconds spent in each state, its error, every rejected row with its reason, its log.",
    )
    parser.add_argument("run_id", metavar="RUN")


def cmd_show(args: argparse.Namespace) -> int:
    with embedded_aws(args.state_dir, save=False, compute=False, must_exist=True) as stack:
        run = aws.get_run(stack.settings.runs_table, args.run_id)
        rejects = {
            source: aws.get_object(stack.settings.data_bucket, keys.rejects(args.run_id, source))
            for source in SPECS
        }
    if run is None:
        print(f"etl show: error: no run {args.run_id!r} in {args.state_dir}", file=sys.stderr)
        return NO_SUCH_RUN
    log = args.state_dir / "logs" / f"{args.run_id}.jsonl"
    print(f"run {run['run_id']}: {run.get('status', '?')}")
    print(f"trigger: {trigger_kind(run.get('trigger', {}))} {json.dumps(run.get('trigger', {}))}")
    print(
        f"started {run.get('started_at', '?')}, finished {run.get('finished_at', '-')}, "
        f"{run.get('duration_seconds', '-')} s"
    )
    counts = run.get("counts", {})
    print("counts: " + (" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"))
    print("seconds per state:")
    for state, seconds in state_seconds(log).items():
        print(f"  {state:<22} {seconds:7.3f}")
    print(f"error: {run['error']}" if run.get("error") else "error: none")
    for source, body in rejects.items():
        for row in csv.DictReader(io.StringIO((body or b"").decode("utf-8", "replace"))):
            print(f"rejected {source} line {row.get('line_number')}: {row.get('reason')}")
    print(f"log: {log}" + ("" if log.is_file() else " (not on this machine)"))
    return 0


def state_seconds(log: Path) -> dict[str, float]:
    """The timings the runner logged when the run ended; none when the log is gone."""
    if not log.is_file():
        return {}
    for line in reversed(log.read_text().splitlines()):
        entry = json.loads(line)
        if entry.get("message") == STATE_TIMINGS:
            return entry["state_seconds"]
    return {}
