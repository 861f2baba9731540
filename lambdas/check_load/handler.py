"""CheckLoad: the Glue job's outcome into the run record."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.check_load import check_load

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "job_run_id": {"type": "string"},
        "job_run": {"type": "object", "required": ["JobRunState"]},
    }
)

handler = lambda_handler(SCHEMA, check_load)
