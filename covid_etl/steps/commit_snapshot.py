"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from operator import attrgetter

from covid_etl import datasets, keys
from covid_etl.datasets import Dataset, Record
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.merge_diff import merge
from covid_etl.records import RETRY, write_csv
from covid_etl.settings import Settings
from covid_etl.steps._common import csv_rows, read_snapshot, uploaded

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID, "dataset": DATASET}, required=["run_id"])


def commit_snapshot(settings: Settings, run_id: str, dataset: str | None = None) -> dict:
    """The snapshot holds every day that is loaded or handed to the retry queue.

    Counting queued days as handed over means a poison record is retried by the queue (and ends
    in the DLQ), not re-planned by the diff every day forever.
    """
    spec = datasets.dataset(dataset)
    merged = (
        today or known
        for today, known in merge(
            outcome_records(settings, run_id, spec), read_snapshot(settings, spec), KEY
        )
    )
    return {"days": write_snapshot(settings, spec, merged)}


KEY = attrgetter("key")


def outcome_records(settings: Settings, run_id: str, spec: Dataset) -> Iterable[Record]:
    """The outcome's records sorted by key, streamed. The outcome follows the delta: today's
    changes sorted by key, then the retries sorted (no key in both, records.plan_changes); the
    retries, at most a queue's drain, are read first (a pass of their own) and merged in."""
    rows = csv_rows(settings, keys.outcome(run_id))
    retried = sorted((spec.record.from_row(row) for row in rows if row["origin"] == RETRY), key=KEY)
    today = (
        spec.record.from_row(row)
        for row in csv_rows(settings, keys.outcome(run_id))
        if row["origin"] != RETRY
    )
    return heapq.merge(today, retried, key=KEY)


def write_snapshot(settings: Settings, spec: Dataset, records: Iterable[Record]) -> int:
    """Write the dataset's snapshot (records sorted by key) as they come; how many."""
    with uploaded(settings, keys.snapshot(spec.table)) as out:
        return write_csv(out, records, spec=spec)
