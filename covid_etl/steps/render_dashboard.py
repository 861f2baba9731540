"""RenderDashboard: re-render the static dashboard page (charts and run history) into S3."""

from __future__ import annotations

from covid_etl import aws, dashboard, keys
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import iso, now

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID})


def render_dashboard(settings: Settings, run_id: str) -> dict:
    """Re-render the static dashboard page from the table, the run history and the DLQ depth."""
    days = [
        {"date": r.date.isoformat(), "cases": r.cases, "deaths": r.deaths, "recovered": r.recovered}
        for r in aws.scan_records(settings.daily_table)
    ]
    runs = aws.scan_runs(settings.runs_table)
    page = dashboard.render_dashboard(
        days, runs, generated_at=iso(now()), dlq_depth=aws.queue_depth(settings.retry_dlq_url)
    )
    aws.put_object(settings.data_bucket, keys.DASHBOARD, page.encode(), "text/html; charset=utf-8")
    return {"days": len(days), "runs": len(runs)}
