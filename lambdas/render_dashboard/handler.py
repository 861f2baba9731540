"""RenderDashboard: re-render the static dashboard page (charts and run history) into S3."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.render_dashboard import render_dashboard

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, render_dashboard)
