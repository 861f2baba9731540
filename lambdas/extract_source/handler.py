"""Extract: download one source (timeouts, retries, ETag) to raw/<run>/<source>.csv."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.extract_source import extract_source

SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "source": {"enum": ["nyt", "jhu"]},
        "url": {"type": "string", "pattern": "^(https?|s3)://"},
    }
)

handler = lambda_handler(SCHEMA, extract_source)
