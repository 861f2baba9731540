"""TransformSources: inner join of the validated sources on date -> staged/<run>/daily.csv."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.transform_sources import SCHEMA, transform_sources

handler = lambda_handler(SCHEMA, transform_sources)
