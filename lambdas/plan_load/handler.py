"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from covid_etl import steps
from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID, "run_date": DAY})

handler = lambda_handler(SCHEMA, steps.plan_load)
