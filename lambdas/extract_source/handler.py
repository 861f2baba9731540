"""Extract: download one source (timeouts, retries, ETag) to raw/<run>/<source>.csv."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.extract_source import SCHEMA, extract_source

handler = lambda_handler(SCHEMA, extract_source)
