"""What several steps share: the clock, the snapshot, the retries received, ending a run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from covid_etl import aws, events, keys
from covid_etl.handler import logger
from covid_etl.metrics import run_metrics
from covid_etl.records import DailyRecord, records_from_csv
from covid_etl.settings import Settings


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def read_snapshot(settings: Settings) -> dict[date, DailyRecord]:
    data = aws.get_object(settings.data_bucket, keys.SNAPSHOT)
    return {r.date: r for r in records_from_csv(data)} if data else {}


def read_retries(settings: Settings, run_id: str) -> list[dict]:
    return json.loads(aws.get_object(settings.data_bucket, keys.retries(run_id)) or b"[]")


# A PutEvents entry refused (throttled, an internal error) is sent again this many times in all,
# then kept in S3: a failed entry is never dropped.
PUT_EVENTS_ATTEMPTS = 3


def publish_events(
    settings: Settings, run_id: str, entries: list[events.Entry], batch: str
) -> dict[str, int]:
    """Send the entries in PutEvents calls, retry the refused ones, keep what still fails."""
    pending = entries
    refused: list[tuple[events.Entry, str]] = []
    for _ in range(PUT_EVENTS_ATTEMPTS):
        refused = [failure for call in events.calls(pending) for failure in aws.put_events(call)]
        pending = [event for event, _ in refused]
        if not pending:
            break
    if refused:
        kept = [{"entry": event, "error_code": code} for event, code in refused]
        aws.put_object(
            settings.data_bucket,
            keys.unpublished(run_id, batch),
            json.dumps(kept, sort_keys=True).encode(),
            content_type="application/json",
        )
    return {"published": len(entries) - len(refused), "kept": len(refused)}


def end_run(
    settings: Settings,
    run: dict,
    run_id: str,
    counts: dict | None,
    error: str | None,
    error_type: str | None,
) -> dict:
    finished = now()
    started = run.get("started_at")
    status = "FAILED" if error else "SUCCEEDED"
    duration = round((finished - parse_time(started)).total_seconds(), 3) if started else None
    aws.update_run(
        settings.runs_table,
        run_id,
        {
            "run_id": run_id,
            "status": status,
            "finished_at": iso(finished),
            "duration_seconds": duration,
            "counts": counts,
            "error": error,
            "error_type": error_type,
        },
    )
    aws.release_lock(settings.runs_table, run_id)
    metrics = run_metrics(settings.runs_table, status, counts or {}, duration)
    logger().info("run metrics", extra={"fields": {"run_id": run_id, **metrics}})
    return {"status": status, "error": error or "", "error_type": error_type or ""}
