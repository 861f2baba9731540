"""FailRun: record the error of a failed run and release the lock."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "error": {"type": "object", "properties": {"Error": {"type": "string"}}},
    }
)

handler = lambda_handler(SCHEMA, steps.fail_run)
