"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from __future__ import annotations

import json
from collections.abc import Iterable

from covid_etl import approval, aws, datasets, keys
from covid_etl.datasets import Dataset, Record
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.records import (
    NEW,
    RETRY,
    REVISED,
    US,
    before_fields,
    plan_delta,
    records_from_csv,
    to_csv,
)
from covid_etl.settings import Settings
from covid_etl.steps._common import read_retries, read_snapshot

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {"run_id": RUN_ID, "run_date": DAY, "rebuild": {"type": "boolean"}, "dataset": DATASET},
    required=["run_id", "run_date", "rebuild"],
)


def plan_load(
    settings: Settings,
    run_id: str,
    run_date: str,
    rebuild: bool = False,
    dataset: str | None = None,
) -> dict:
    """Diff today's rows against the snapshot; add the retries -> staged/<run>/delta.csv.

    A rebuild was planned by the Rebuild job (covid_etl/rebuild.py), against the loaded table:
    its plan is read back here, so the states after PlanLoad see one shape either way.
    """
    if rebuild:
        plan = aws.get_object(settings.data_bucket, keys.rebuild_plan(run_id))
        assert plan is not None, "the Rebuild job left no plan"
        return json.loads(plan)
    spec = datasets.dataset(dataset)
    return write_plan(settings, run_id, run_date, read_snapshot(settings, spec), spec)


def write_plan(
    settings: Settings,
    run_id: str,
    run_date: str,
    baseline: Iterable[Record],
    spec: Dataset = US,
) -> dict:
    """Diff the staged records against ``baseline`` (sorted by key, streamed), add the retries
    -> staged/<run>/delta.csv."""
    staged_csv = aws.get_object(settings.data_bucket, keys.daily(run_id)) or b""
    staged = records_from_csv(staged_csv, spec)
    retries = read_retries(settings, run_id)
    retry_records = [spec.record.from_row(entry["record"]) for entry in retries]
    plan = plan_delta(staged, baseline, retry_records)
    retry_kind = {r.key: e["kind"] for r, e in zip(retry_records, retries, strict=True)}
    records = [c.record for c in plan.changes]
    # A retried record keeps the kind it had when it first failed (new or revised).
    kinds = [retry_kind[c.record.key] if c.kind == RETRY else c.kind for c in plan.changes]
    origins = [RETRY if c.kind == RETRY else "today" for c in plan.changes]
    # What each changed record was before (the events' before -> after): the snapshot's value.
    before_columns = {
        column: [
            str(getattr(c.before, column.removeprefix("before_"))) if c.before else ""
            for c in plan.changes
        ]
        for column in before_fields(spec)
    }
    delta_csv = to_csv(records, {"kind": kinds, "origin": origins, **before_columns}, spec)
    aws.put_object(settings.data_bucket, keys.delta(run_id), delta_csv)
    revisions = approval.revisions(plan.changes)
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
        "processed_key": keys.processed(run_date, run_id, spec.table),
        # The gate: "" loads straight away; a reason waits for an approval of this plan_hash.
        "approval_reason": approval.reason(revisions, plan.loaded, settings.approval_thresholds())
        or "",
        "plan_hash": approval.plan_hash(delta_csv),
        "top_revisions": approval.top_revisions(revisions),
    }
