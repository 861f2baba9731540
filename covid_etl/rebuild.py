"""Rebuild: the AWS Batch job (Fargate) of a full rebuild, ``python -m covid_etl.rebuild``.

A rebuild (``{"rebuild": true}`` in the execution input, ``etl rebuild`` locally) ignores the
snapshot: after the usual extract, validate and join, this job diffs every joined day against
what is loaded (a scan of the daily table, the part that grows with history, hence a container
and not a Lambda) with the same planner PlanLoad uses, and writes the same delta.csv; the load,
reconcile and retry states then run as in any run. It also folds what it found loaded into the
snapshot, so the next daily run diffs against the table as the rebuild saw it.

The Dockerfile's entrypoint is this module; locally etl_tools/local/moto_bridge.py runs main()
in-process when the state machine submits the job (moto cannot run containers).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from covid_etl import aws, keys
from covid_etl.handler import LOGGER
from covid_etl.records import DailyRecord, to_csv
from covid_etl.settings import Settings
from covid_etl.steps._common import read_retries, read_snapshot
from covid_etl.steps.plan_load import write_plan

# The job's arguments: the job definition's command is ["--run_id", "Ref::run_id", ...], and the
# state machine's SubmitJob passes these names as Batch Parameters.
ARGUMENTS = ("run_id", "run_date")


def loaded_baseline(
    settings: Settings, run_id: str, snapshot: dict[date, DailyRecord]
) -> dict[date, DailyRecord]:
    """What is loaded, except that a day whose record this run received from the retry queue
    keeps the snapshot's value (what was handed over), exactly as a daily run judges retries."""
    baseline = {r.date: r for r in aws.scan_records(settings.daily_table)}
    for entry in read_retries(settings, run_id):
        day = DailyRecord.from_row(entry["record"]).date
        if day in snapshot:
            baseline[day] = snapshot[day]
    return baseline


def rebuild(settings: Settings, run_id: str, run_date: str) -> dict:
    """Plan every joined day against the loaded table -> delta.csv and the plan; then make the
    snapshot agree with the table.

    Writing the snapshot before the load is safe: it then holds what is loaded (plus the days
    handed to the retry queue, kept), so a later diff can only plan more days, never fewer.
    """
    # The heavy path holds the table in memory: a Batch job is sized for it, a Lambda is not.
    snapshot = {r.date: r for r in read_snapshot(settings)}
    baseline = loaded_baseline(settings, run_id, snapshot)
    plan = write_plan(settings, run_id, run_date, sorted(baseline.values()))
    aws.put_object(
        settings.data_bucket, keys.SNAPSHOT, to_csv(sorted((snapshot | baseline).values()))
    )
    aws.put_object(
        settings.data_bucket,
        keys.rebuild_plan(run_id),
        json.dumps(plan).encode(),
        "application/json",
    )
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m covid_etl.rebuild", description="Plan a full rebuild (AWS Batch job)."
    )
    for name in ARGUMENTS:
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    try:
        date.fromisoformat(args.run_date)
        settings = Settings.from_env()
    except (ValueError, RuntimeError) as exc:  # a malformed date, a missing variable
        print(f"rebuild: {exc}", file=sys.stderr)
        return 2
    plan = rebuild(settings, args.run_id, args.run_date)
    LOGGER.info("rebuild planned", run_id=args.run_id, **plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
