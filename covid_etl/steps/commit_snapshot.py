"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from __future__ import annotations

from operator import attrgetter

from covid_etl import aws, datasets, keys
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.merge_diff import merge
from covid_etl.records import records_from_csv, to_csv
from covid_etl.settings import Settings
from covid_etl.steps._common import read_snapshot

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID, "dataset": DATASET}, required=["run_id"])


def commit_snapshot(settings: Settings, run_id: str, dataset: str | None = None) -> dict:
    """The snapshot holds every day that is loaded or handed to the retry queue.

    Counting queued days as handed over means a poison record is retried by the queue (and ends
    in the DLQ), not re-planned by the diff every day forever.
    """
    spec = datasets.dataset(dataset)
    outcome_csv = aws.get_object(settings.data_bucket, keys.outcome(run_id)) or b""
    outcome = sorted(records_from_csv(outcome_csv, spec))
    merged = [
        today or known
        for today, known in merge(outcome, read_snapshot(settings, spec), attrgetter("key"))
    ]
    aws.put_object(settings.data_bucket, keys.snapshot(spec.table), to_csv(merged, spec=spec))
    return {"days": len(merged)}
