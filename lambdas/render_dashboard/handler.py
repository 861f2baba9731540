"""RenderDashboard: re-render the static dashboard page (charts and run history) into S3."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.render_dashboard import SCHEMA, render_dashboard

handler = lambda_handler(SCHEMA, render_dashboard)
