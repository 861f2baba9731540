"""PublishChanges: a batch of changed records -> RecordChanged events on the pipeline's bus."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.publish_changes import SCHEMA, publish_changes

handler = lambda_handler(SCHEMA, publish_changes)
