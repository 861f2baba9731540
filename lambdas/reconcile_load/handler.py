"""ReconcileLoad: read the table back to count inserted, updated and failed records."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.reconcile_load import reconcile_load

SCHEMA = schema(
    {"run_id": RUN_ID, "delta_key": {"type": "string"}, "failures_key": {"type": "string"}}
)

handler = lambda_handler(SCHEMA, reconcile_load)
