"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from covid_etl import steps
from covid_etl.handler import RUN_ID, lambda_handler, schema

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, steps.commit_snapshot)
