"""CollectRetries: receive the records earlier runs failed to load."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.collect_retries import SCHEMA, collect_retries

handler = lambda_handler(SCHEMA, collect_retries)
