"""What started a run, read from its execution input (kept whole in the run record's ``trigger``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

SCHEDULE, UPLOAD, BACKFILL, REBUILD = "schedule", "upload", "backfill", "rebuild"


def new_run_id() -> str:
    """A run id (the execution's name): unique, sortable by start time."""
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def trigger_kind(trigger: dict[str, Any]) -> str:
    """``schedule``, ``upload`` (a source is an uploaded s3:// object), ``backfill`` (a window)
    or ``rebuild`` (``{"rebuild": true}``: planned against the loaded table, on AWS Batch).

    A caller that names itself (``{"trigger": "api"}`` in the input) is taken at its word.
    """
    if isinstance(trigger.get("trigger"), str):
        return trigger["trigger"]
    if trigger.get("rebuild") is True:
        return REBUILD
    if any(str(url).startswith("s3://") for url in trigger.get("sources", {}).values()):
        return UPLOAD
    return BACKFILL if trigger.get("window") else SCHEDULE
