"""FailRun: record the error of a failed run and release the lock."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.fail_run import SCHEMA, fail_run

handler = lambda_handler(SCHEMA, fail_run)
