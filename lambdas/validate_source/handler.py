"""Validate: check one source's header and rows; bad rows go to rejects/ with a reason."""

from covid_etl import steps
from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "run_date": DAY,
        "source": {"enum": ["nyt", "jhu"]},
        "extract": {"type": "object", "required": ["source", "url", "http_status"]},
    }
)

handler = lambda_handler(SCHEMA, steps.validate_source)
