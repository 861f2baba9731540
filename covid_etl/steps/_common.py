"""What several steps share: the clock, the snapshot, the retries received, ending a run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from covid_etl import aws, keys
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


def end_run(
    settings: Settings,
    run: dict,
    run_id: str,
    counts: dict | None,
    error: str | None,
    error_type: str | None,
    extra: dict | None = None,
    status: str | None = None,
) -> dict:
    """Record how the run ended (``status``: SUCCEEDED or FAILED by ``error`` unless given)."""
    finished = now()
    started = run.get("started_at")
    status = status or ("FAILED" if error else "SUCCEEDED")
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
            **(extra or {}),
        },
    )
    aws.release_lock(settings.runs_table, run_id)
    metrics = run_metrics(settings.runs_table, status, counts or {}, duration)
    logger().info("run metrics", extra={"fields": {"run_id": run_id, **metrics}})
    return {"status": status, "error": error or "", "error_type": error_type or ""}
