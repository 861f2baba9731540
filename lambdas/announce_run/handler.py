"""AnnounceRun: the RunCompleted event and the fan-out's counts into the run record."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.announce_run import announce_run

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "processed_key": {"type": "string", "minLength": 1},
        "reconcile": {
            "type": "object",
            "properties": {"inserted": {"type": "integer"}, "updated": {"type": "integer"}},
            "required": ["inserted", "updated"],
        },
        # The Map's batch results, or its Error and Cause when it failed.
        "batches": {"type": ["array", "object"]},
    }
)

handler = lambda_handler(SCHEMA, announce_run)
