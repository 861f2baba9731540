"""CommitSnapshot: advance the snapshot with the days loaded or handed to the retry queue."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.commit_snapshot import SCHEMA, commit_snapshot

handler = lambda_handler(SCHEMA, commit_snapshot)
