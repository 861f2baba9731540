"""AnnounceRun: the RunCompleted event and the fan-out's counts into the run record."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.announce_run import SCHEMA, announce_run

handler = lambda_handler(SCHEMA, announce_run)
