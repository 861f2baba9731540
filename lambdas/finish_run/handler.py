"""FinishRun: final counts, status and duration into the run record; release the lock."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema(
    {
        "run": {"type": "object", "properties": {"run_id": RUN_ID}, "required": ["run_id"]},
        "reconcile": {"type": "object", "required": ["inserted", "updated"]},
    }
)

handler = lambda_handler(SCHEMA, steps.finish_run, whole_event=True)
