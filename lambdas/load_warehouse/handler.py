"""LoadWarehouse: on RunCompleted, the run's Parquet object into Redshift (not a state)."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.load_warehouse import SCHEMA, load_warehouse

handler = lambda_handler(SCHEMA, load_warehouse)
