"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from __future__ import annotations

from operator import attrgetter

from covid_etl import aws, keys
from covid_etl.handler import RUN_ID, schema
from covid_etl.merge_diff import merge
from covid_etl.records import records_from_csv, to_csv
from covid_etl.settings import Settings
from covid_etl.steps._common import read_snapshot

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID})


def commit_snapshot(settings: Settings, run_id: str) -> dict:
    """The snapshot holds every day that is loaded or handed to the retry queue.

    Counting queued days as handed over means a poison record is retried by the queue (and ends
    in the DLQ), not re-planned by the diff every day forever.
    """
    outcome = records_from_csv(aws.get_object(settings.data_bucket, keys.outcome(run_id)) or b"")
    merged = [
        today or known
        for today, known in merge(sorted(outcome), read_snapshot(settings), attrgetter("date"))
    ]
    aws.put_object(settings.data_bucket, keys.SNAPSHOT, to_csv(merged))
    return {"days": len(merged)}
