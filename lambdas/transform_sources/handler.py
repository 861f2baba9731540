"""Transform: inner join of the validated sources on date -> staged/<run>/daily.csv."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, steps.transform_sources)
