"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from covid_etl import approval, aws, datasets, keys
from covid_etl.datasets import Dataset, Record
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.records import NEW, RETRY, REVISED, US, before_fields, plan_changes, records_of
from covid_etl.settings import Settings
from covid_etl.steps._common import open_text, read_retries, read_snapshot, uploaded

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
    -> staged/<run>/delta.csv, written as the changes are found: memory holds the retries and
    the revisions (for the approval gate), not the rows."""
    staged_text = open_text(settings, keys.daily(run_id))
    staged = records_of(staged_text, spec) if staged_text is not None else iter(())
    retries = read_retries(settings, run_id)
    retry_records = [spec.record.from_row(entry["record"]) for entry in retries]
    changes, tally = plan_changes(staged, baseline, retry_records)
    retry_kind = {r.key: e["kind"] for r, e in zip(retry_records, retries, strict=True)}
    before = [column.removeprefix("before_") for column in before_fields(spec)]
    kinds: Counter[str] = Counter()
    revised = []
    with uploaded(settings, keys.delta(run_id)) as out:
        hashed = _Hashed(out)
        writer = csv.writer(hashed, lineterminator="\n")
        writer.writerow([*spec.columns, "kind", "origin", *before_fields(spec)])
        for change in changes:
            kinds[change.kind] += 1
            if change.before is not None:
                revised.append(change)
            writer.writerow(
                [
                    *change.record.as_row().values(),
                    # A retried record keeps the kind it had when it first failed (new or revised).
                    retry_kind[change.record.key] if change.kind == RETRY else change.kind,
                    RETRY if change.kind == RETRY else "today",
                    # What the record was before (the events' before -> after): the snapshot's.
                    *(str(getattr(change.before, n)) if change.before else "" for n in before),
                ]
            )
    revisions = approval.revisions(revised)
    return {
        "new": kinds[NEW],
        "revised": kinds[REVISED],
        "unchanged": tally.unchanged,
        "retried": tally.retried,
        "superseded": tally.superseded,
        "delta": kinds.total(),
        "delta_key": keys.delta(run_id),
        "changes_key": keys.changes(run_id),
        "failures_key": keys.failures(run_id),
        "daily_key": keys.daily(run_id),
        "processed_key": keys.processed(run_date, run_id, spec.table),
        # The gate: "" loads straight away; a reason waits for an approval of this plan_hash.
        "approval_reason": approval.reason(revisions, tally.loaded, settings.approval_thresholds())
        or "",
        "plan_hash": hashed.digest.hexdigest(),
        "top_revisions": approval.top_revisions(revisions),
    }


class _Hashed:
    """A text sink that hashes what it passes on (approval.plan_hash of the delta's bytes)."""

    def __init__(self, out: TextIO):
        self.out = out
        self.digest = approval.plan_digest()

    def write(self, text: str) -> int:
        self.digest.update(text.encode())
        return self.out.write(text)
