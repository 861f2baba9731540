"""ReconcileLoad: read the table back to count inserted, updated and failed records."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from covid_etl import aws, datasets, keys
from covid_etl.datasets import Dataset
from covid_etl.events import changes
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.records import LOADED, reconcile
from covid_etl.settings import Settings
from covid_etl.steps._common import batches, csv_rows, uploaded

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "delta_key": {"type": "string"},
        "failures_key": {"type": "string"},
        "dataset": DATASET,
    },
    required=["run_id", "delta_key", "failures_key"],
)

# Delta rows read back at a time (BatchGetItem takes 100 keys a request): memory holds one batch.
READ_BACK_ROWS = 1000
OUTCOME_COLUMNS = ("kind", "origin", "outcome", "reason")


def reconcile_load(
    settings: Settings,
    run_id: str,
    delta_key: str,
    failures_key: str,
    dataset: str | None = None,
) -> dict:
    """Read the table back: a delta row is loaded only if the table now holds exactly it.

    The delta is streamed a batch at a time, the outcome and the loaded changes written as they
    are found: memory does not grow with the delta (a county first load is every row).
    """
    spec = datasets.dataset(dataset)
    reasons = FailureReasons(csv_rows(settings, failures_key), spec)
    counts = {"inserted": 0, "updated": 0, "failed": 0}
    with (
        uploaded(settings, keys.outcome(run_id)) as outcome_out,
        uploaded(settings, keys.changes(run_id), "application/json") as changes_out,
    ):
        outcome = csv.writer(outcome_out, lineterminator="\n")
        outcome.writerow([*spec.columns, *OUTCOME_COLUMNS])
        loaded_changes = JsonArray(changes_out)
        for rows in batches(csv_rows(settings, delta_key), READ_BACK_ROWS):
            records = [spec.record.from_row(row) for row in rows]
            loaded = aws.batch_get_records(settings.table(spec), [r.key for r in records], spec)
            batch_counts, outcomes = reconcile(rows, loaded, reasons.of(rows), spec)
            for name, count in batch_counts.items():
                counts[name] += count
            for record, row, (result, reason) in zip(records, rows, outcomes, strict=True):
                outcome.writerow(
                    [*record.as_row().values(), row["kind"], row["origin"], result, reason]
                )
            loaded_rows = [
                row for row, (result, _) in zip(rows, outcomes, strict=True) if result == LOADED
            ]
            loaded_changes.extend(changes(loaded_rows, spec))
        loaded_changes.close()
    return counts


class FailureReasons:
    """The load job's failures (its rows with an ``error``), read as the delta is: the job
    writes them in the delta's order (glue/load_job.py), so one pass side by side finds each
    row's reason, holding one failure at a time."""

    def __init__(self, failures: Iterable[dict[str, str]], spec: Dataset):
        self._failures = iter(failures)
        self._spec = spec
        self._held = next(self._failures, None)

    def of(self, delta_rows: list[dict[str, str]]) -> dict[str, str]:
        """The reasons of these delta rows (the next ones of the delta), by key text."""
        found = {}
        for row in delta_rows:
            key = self._spec.key_text(row)
            if self._held is not None and self._spec.key_text(self._held) == key:
                found[key] = self._held.get("error", "")
                self._held = next(self._failures, None)
        return found


class JsonArray:
    """A JSON array written an item at a time (the changes file the distributed Map reads)."""

    def __init__(self, out: TextIO):
        self._out = out
        self._separator = "["

    def extend(self, items: Iterable[object]) -> None:
        for item in items:
            self._out.write(self._separator + json.dumps(item))
            self._separator = ","

    def close(self) -> None:
        self._out.write("[]" if self._separator == "[" else "]")
