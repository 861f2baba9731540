"""CheckLoad: the Glue job's outcome into the run record."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.check_load import SCHEMA, check_load

handler = lambda_handler(SCHEMA, check_load)
