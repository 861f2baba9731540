"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from covid_etl.handler import DAY, RUN_ID, lambda_handler, schema
from covid_etl.steps.plan_load import plan_load

SCHEMA = schema({"run_id": RUN_ID, "run_date": DAY, "rebuild": {"type": "boolean"}})

handler = lambda_handler(SCHEMA, plan_load)
