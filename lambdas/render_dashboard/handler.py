"""RenderDashboard: re-render the static dashboard page (charts and run history) into S3."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, steps.render_dashboard)
