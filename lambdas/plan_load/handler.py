"""PlanLoad: diff against the snapshot (new / revised / unchanged) plus retries -> delta.csv."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.plan_load import SCHEMA, plan_load

handler = lambda_handler(SCHEMA, plan_load)
