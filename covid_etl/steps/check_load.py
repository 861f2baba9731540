"""CheckLoad: the Glue job's outcome into the run record."""

from __future__ import annotations

from covid_etl import aws
from covid_etl.settings import Settings

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
