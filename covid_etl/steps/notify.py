"""Notify: the status email (SNS) with the counts, the errors and the dashboard link."""

from __future__ import annotations

from covid_etl import aws, keys
from covid_etl.handler import RUN_ID, schema
from covid_etl.report import email
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema({"run_id": RUN_ID})


def notify(settings: Settings, run_id: str) -> dict:
    run = aws.get_run(settings.runs_table, run_id)
    if run is None:
        run = {"run_id": run_id, "status": "FAILED", "error": "no run record (failed at start)"}
    dashboard_url = aws.presigned_url(
        settings.data_bucket, keys.DASHBOARD, settings.dashboard_url_ttl_seconds
    )
    subject, body = email(
        run,
        data_bucket=settings.data_bucket,
        dlq_depth=aws.queue_depth(settings.retry_dlq_url),
        dashboard_url=dashboard_url,
    )
    aws.publish(settings.status_topic_arn, subject, body)
    return {"subject": subject}
