"""FailRun: record the error of a failed run and release the lock."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.fail_run import fail_run

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "error": {"type": "object", "properties": {"Error": {"type": "string"}}},
        "rejected": {"type": "boolean"},
    },
    required=["run_id", "error"],
)

handler = lambda_handler(SCHEMA, fail_run)
