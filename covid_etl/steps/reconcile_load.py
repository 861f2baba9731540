"""ReconcileLoad: read the table back to count inserted, updated and failed records."""

from __future__ import annotations

import json

from covid_etl import aws, datasets, keys
from covid_etl.events import changes
from covid_etl.handler import DATASET, RUN_ID, schema
from covid_etl.records import LOADED, read_csv, reconcile, to_csv
from covid_etl.settings import Settings

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


def reconcile_load(
    settings: Settings,
    run_id: str,
    delta_key: str,
    failures_key: str,
    dataset: str | None = None,
) -> dict:
    """Read the table back: a delta row is loaded only if the table now holds exactly it."""
    spec = datasets.dataset(dataset)
    delta = read_csv(aws.get_object(settings.data_bucket, delta_key) or b"")
    failures = read_csv(aws.get_object(settings.data_bucket, failures_key) or b"")
    records = [spec.record.from_row(row) for row in delta]
    reasons = {spec.key_text(row): row.get("error", "") for row in failures}
    loaded = aws.batch_get_records(settings.table(spec), [r.key for r in records], spec)
    counts, outcomes = reconcile(delta, loaded, reasons, spec)
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
            spec,
        ),
    )
    loaded_rows = [
        row for row, (outcome, _) in zip(delta, outcomes, strict=True) if outcome == LOADED
    ]
    aws.put_object(
        settings.data_bucket,
        keys.changes(run_id),
        json.dumps(changes(loaded_rows, spec)).encode(),
        content_type="application/json",
    )
    return counts
