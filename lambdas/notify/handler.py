"""Notify: the status email (SNS) with the counts, the errors and the dashboard link."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, steps.notify)
