"""Notify: the status email (SNS) with the counts, the errors and the dashboard link."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.notify import notify

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, notify)
