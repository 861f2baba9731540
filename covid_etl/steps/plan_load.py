"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from __future__ import annotations

from covid_etl import aws, keys
from covid_etl.records import (
    BEFORE_FIELDS,
    NEW,
    RETRY,
    REVISED,
    DailyRecord,
    plan_delta,
    records_from_csv,
    to_csv,
)
from covid_etl.settings import Settings
from covid_etl.steps._common import read_retries, read_snapshot


def plan_load(settings: Settings, run_id: str, run_date: str) -> dict:
    """Diff today's rows against the snapshot; add the retries -> staged/<run>/delta.csv."""
    staged = records_from_csv(aws.get_object(settings.data_bucket, keys.daily(run_id)) or b"")
    retries = read_retries(settings, run_id)
    retry_records = [DailyRecord.from_row(entry["record"]) for entry in retries]
    snapshot = read_snapshot(settings)
    plan = plan_delta(staged, snapshot, retry_records)
    retry_kind = {DailyRecord.from_row(e["record"]).date: e["kind"] for e in retries}
    records = [c.record for c in plan.changes]
    # A retried record keeps the kind it had when it first failed (new or revised).
    kinds = [retry_kind[c.record.date] if c.kind == RETRY else c.kind for c in plan.changes]
    origins = [RETRY if c.kind == RETRY else "today" for c in plan.changes]
    befores = [snapshot.get(r.date) for r in records]
    before_columns = {
        column: [str(getattr(b, column.removeprefix("before_"))) if b else "" for b in befores]
        for column in BEFORE_FIELDS
    }
    aws.put_object(
        settings.data_bucket,
        keys.delta(run_id),
        to_csv(records, {"kind": kinds, "origin": origins, **before_columns}),
    )
    return {
        "new": plan.count(NEW),
        "revised": plan.count(REVISED),
        "unchanged": plan.unchanged,
        "retried": plan.retried,
        "superseded": plan.superseded,
        "delta": len(plan.changes),
        "delta_key": keys.delta(run_id),
        "changes_key": keys.changes(run_id),
        "failures_key": keys.failures(run_id),
        "daily_key": keys.daily(run_id),
        "processed_key": keys.processed(run_date, run_id),
    }
