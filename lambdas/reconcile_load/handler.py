"""ReconcileLoad: read the table back to count inserted, updated and failed records."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.reconcile_load import SCHEMA, reconcile_load

handler = lambda_handler(SCHEMA, reconcile_load)
