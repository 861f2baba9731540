"""StartRun: take the run lock, create the run record, resolve the sources."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "started_at": {"type": "string"},
        "trigger": {
            "type": "object",
            "properties": {
                "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "sources": {
                    "type": "object",
                    "properties": {"nyt": {"type": "string"}, "jhu": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
    }
)

handler = lambda_handler(SCHEMA, steps.start_run)
