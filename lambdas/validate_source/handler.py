"""Validate: check one source's header and rows; bad rows go to rejects/ with a reason."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.validate_source import SCHEMA, validate_source

handler = lambda_handler(SCHEMA, validate_source)
