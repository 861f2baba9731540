"""Notify: the status email (SNS) with the counts, the errors and the dashboard link."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.notify import SCHEMA, notify

handler = lambda_handler(SCHEMA, notify)
