"""CheckLoad: the Glue job's outcome into the run record."""

from __future__ import annotations

from covid_etl import aws
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "job_run_id": {"type": "string"},
        "job_run": {"type": "object", "required": ["JobRunState"]},
    }
)

JOB_SUCCEEDED = "SUCCEEDED"


def check_load(settings: Settings, run_id: str, job_run_id: str, job_run: dict) -> dict:
    state = job_run.get("JobRunState", "UNKNOWN")
    outcome = {
        "job_run_id": job_run_id,
        "state": state,
        "error": job_run.get("ErrorMessage"),
        "execution_seconds": job_run.get("ExecutionTime"),
    }
    aws.update_run(settings.runs_table, run_id, {"load_job": outcome})
    return {"succeeded": state == JOB_SUCCEEDED, **outcome}
