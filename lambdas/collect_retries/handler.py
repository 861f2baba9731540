"""CollectRetries: receive the records earlier runs failed to load."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.collect_retries import collect_retries

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, collect_retries)
