"""FailRun: record the error of a failed run and release the lock."""

from __future__ import annotations

from covid_etl import aws
from covid_etl.approval import rejection_message
from covid_etl.handler import RUN_ID, cause_message, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import end_run

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "error": {"type": "object", "properties": {"Error": {"type": "string"}}},
        "rejected": {"type": "boolean"},
    },
    required=["run_id", "error"],
)


def fail_run(settings: Settings, run_id: str, error: dict, rejected: bool = False) -> dict:
    """The failure path: record the error, release the lock (if this run holds it).

    ``rejected``: the approval gate's answer was no (or none came): the run ends REJECTED,
    nothing written, and the task token is forgotten.
    """
    error_type, message = describe_error(error)
    run = aws.get_run(settings.runs_table, run_id) or {}
    if rejected:
        message = rejection_message(error_type, error.get("Cause") or "")
        return end_run(
            settings,
            run,
            run_id,
            run.get("counts"),
            message,
            error_type,
            {"approval_token": ""},
            status="REJECTED",
        )
    return end_run(settings, run, run_id, run.get("counts"), message, error_type)


def describe_error(error: dict) -> tuple[str, str]:
    """Step Functions' {Error, Cause} as (type, readable message); a Lambda's Cause is JSON."""
    error_type = error.get("Error", "Error")
    return error_type, cause_message(error.get("Cause")) or error_type
