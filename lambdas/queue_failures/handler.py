"""QueueFailures: failed records to the SQS retry queue; settle this run's retry messages."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, steps.queue_failures)
