"""StartRun: take the run lock, create the run record, resolve the sources."""

from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema
from covid_etl.steps.start_run import start_run

URL = {"type": "string", "pattern": "^(https?|s3)://"}
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "started_at": {"type": "string"},
        "trigger": {
            "type": "object",
            "properties": {
                "as_of": DAY,
                "sources": {
                    "type": "object",
                    "properties": {"nyt": URL, "jhu": URL},
                    "additionalProperties": False,
                },
                "window": {
                    "type": "object",
                    "properties": {"from": DAY, "to": DAY},
                    "additionalProperties": False,
                },
                "rebuild": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    }
)

handler = lambda_handler(SCHEMA, start_run)
