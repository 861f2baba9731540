"""AnnounceRun: after a successful load, one RunCompleted event (run id, counts, the Parquet
object, the date range), and the fan-out's own counts into the run record."""

from __future__ import annotations

from typing import Any

from covid_etl import aws, events
from covid_etl.handler import RUN_ID, cause_message, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import publish_events

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "processed_key": {"type": "string", "minLength": 1},
        "reconcile": {
            "type": "object",
            "properties": {"inserted": {"type": "integer"}, "updated": {"type": "integer"}},
            "required": ["inserted", "updated"],
        },
        # The Map's batch results, or its Error and Cause when it failed.
        "batches": {"type": ["array", "object"]},
    }
)

COUNTED = ("changed", "published", "kept")


def fan_out_summary(batches: list[dict[str, Any]] | dict[str, Any], loaded: int) -> dict[str, Any]:
    """What the Map's batches published and kept, checked against the records loaded; a Map that
    failed (its Error and Cause instead of a list) is reported, not hidden."""
    if isinstance(batches, dict):
        error = f"{batches.get('Error', 'error')}: {cause_message(batches.get('Cause'))}"
        return {**dict.fromkeys(COUNTED, 0), "first_date": "", "last_date": "", "error": error}
    summary: dict[str, Any] = {name: sum(b[name] for b in batches) for name in COUNTED}
    days = [d for b in batches for d in (b["first_date"], b["last_date"]) if d]
    summary["first_date"], summary["last_date"] = (min(days), max(days)) if days else ("", "")
    unaccounted = loaded - summary["published"] - summary["kept"]
    summary["error"] = (
        f"{unaccounted} loaded record(s) neither published nor kept" if unaccounted else ""
    )
    return summary


def announce_run(
    settings: Settings,
    run_id: str,
    processed_key: str,
    reconcile: dict[str, int],
    batches: list[dict[str, Any]] | dict[str, Any],
) -> dict:
    summary = fan_out_summary(batches, reconcile["inserted"] + reconcile["updated"])
    run = aws.get_run(settings.runs_table, run_id) or {}
    detail = {
        "run_id": run_id,
        "status": run.get("status", ""),
        "counts": run.get("counts", {}),
        "parquet": f"s3://{settings.data_bucket}/{processed_key}",
        "date_range": {"first": summary["first_date"], "last": summary["last_date"]},
        "record_changed": {name: summary[name] for name in ("published", "kept")},
    }
    entry = events.entry(settings.event_bus_name, events.RUN_COMPLETED, detail)
    sent = publish_events(settings, run_id, [entry], "run")
    recorded = {**summary, "run_completed": "published" if sent["published"] else "kept"}
    aws.update_run(settings.runs_table, run_id, {"events": recorded})
    return recorded
