"""QueueFailures: failed records to the SQS retry queue; settle this run's retry messages."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.queue_failures import queue_failures

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, queue_failures)
