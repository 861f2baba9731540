"""StartRun: take the run lock, create the run record, resolve the sources."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.start_run import SCHEMA, start_run

handler = lambda_handler(SCHEMA, start_run)
