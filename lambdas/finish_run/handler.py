"""FinishRun: final counts, status and duration into the run record; release the lock."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.finish_run import SCHEMA, finish_run

handler = lambda_handler(SCHEMA, finish_run, whole_event=True)
