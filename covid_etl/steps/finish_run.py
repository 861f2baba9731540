"""FinishRun: final counts, status and duration into the run record; release the lock."""

from __future__ import annotations

from covid_etl import aws
from covid_etl.accounting import invariant_violations
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import end_run

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run": {"type": "object", "properties": {"run_id": RUN_ID}, "required": ["run_id"]},
        "reconcile": {"type": "object", "required": ["inserted", "updated"]},
    }
)


def finish_run(settings: Settings, state: dict) -> dict:
    """Final counts, status and duration into the run record; release the lock."""
    run_id = state["run"]["run_id"]
    run = aws.get_run(settings.runs_table, run_id) or {}
    reconcile = state["reconcile"]
    counts = {
        **run.get("counts", {}),
        "inserted": reconcile["inserted"],
        "updated": reconcile["updated"],
        "queued": state.get("queue", {}).get("queued", 0),
    }
    check = state.get("check")
    error, error_type = None, None
    if check and not check["succeeded"]:
        error_type = "LoadJobFailed"
        error = (
            f"load job {check['job_run_id']} ended {check['state']}: {check.get('error') or 'no message'}"
            f"; {counts['queued']} record(s) queued for retry"
        )
    problems = invariant_violations(counts)
    if problems:
        error_type, error = "InvariantBroken", "accounting invariant broken: " + "; ".join(problems)
    # A load the approval gate let through: who approved it, and the token is spent.
    approved = state.get("approval", {})
    approval = (
        {"approved_by": approved.get("approved_by") or "?", "approval_token": ""}
        if approved
        else None
    )
    return end_run(settings, run, run_id, counts, error, error_type, approval)
