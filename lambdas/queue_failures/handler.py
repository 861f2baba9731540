"""QueueFailures: failed records to the SQS retry queue; settle this run's retry messages."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.queue_failures import SCHEMA, queue_failures

handler = lambda_handler(SCHEMA, queue_failures)
