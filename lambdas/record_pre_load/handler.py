"""RecordPreLoad: the counts so far into the run record."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.record_pre_load import SCHEMA, record_pre_load

handler = lambda_handler(SCHEMA, record_pre_load)
