"""ReconcileLoad: read the table back to count inserted, updated and failed records."""

from __future__ import annotations

import json
from datetime import date

from covid_etl import aws, keys
from covid_etl.events import changes
from covid_etl.handler import RUN_ID, schema
from covid_etl.records import LOADED, DailyRecord, read_csv, reconcile, to_csv
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {"run_id": RUN_ID, "delta_key": {"type": "string"}, "failures_key": {"type": "string"}}
)


def reconcile_load(settings: Settings, run_id: str, delta_key: str, failures_key: str) -> dict:
    """Read the table back: a delta row is loaded only if the table now holds exactly it."""
    delta = read_csv(aws.get_object(settings.data_bucket, delta_key) or b"")
    failures = read_csv(aws.get_object(settings.data_bucket, failures_key) or b"")
    reasons = {row["date"]: row.get("error", "") for row in failures}
    loaded = aws.batch_get_records(
        settings.daily_table, [date.fromisoformat(r["date"]) for r in delta]
    )
    counts, outcomes = reconcile(delta, loaded, reasons)
    records = [DailyRecord.from_row(row) for row in delta]
    aws.put_object(
        settings.data_bucket,
        keys.outcome(run_id),
        to_csv(
            records,
            {
                "kind": [r["kind"] for r in delta],
                "origin": [r["origin"] for r in delta],
                "outcome": [o for o, _ in outcomes],
                "reason": [reason for _, reason in outcomes],
            },
        ),
    )
    loaded_rows = [
        row for row, (outcome, _) in zip(delta, outcomes, strict=True) if outcome == LOADED
    ]
    aws.put_object(
        settings.data_bucket,
        keys.changes(run_id),
        json.dumps(changes(loaded_rows)).encode(),
        content_type="application/json",
    )
    return counts
