"""Validate: check one source's header and rows; bad rows go to rejects/ with a reason."""

from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema
from covid_etl.steps.validate_source import validate_source

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "run_date": DAY,
        "source": {"enum": ["nyt", "jhu"]},
        "extract": {"type": "object", "required": ["source", "url", "http_status"]},
    }
)

handler = lambda_handler(SCHEMA, validate_source)
