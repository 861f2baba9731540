"""FinishRun: final counts, status and duration into the run record; release the lock."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.finish_run import finish_run

SCHEMA = schema(
    {
        "run": {"type": "object", "properties": {"run_id": RUN_ID}, "required": ["run_id"]},
        "reconcile": {"type": "object", "required": ["inserted", "updated"]},
    }
)

handler = lambda_handler(SCHEMA, finish_run, whole_event=True)
