"""Api: the REST API behind API Gateway (HTTP API, payload format 2.0)."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.api import SCHEMA, api

handler = lambda_handler(SCHEMA, api, whole_event=True)
