"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.commit_snapshot import commit_snapshot

SCHEMA = schema({"run_id": RUN_ID})

handler = lambda_handler(SCHEMA, commit_snapshot)
