"""StartFromUpload: an uploaded source file (S3 -> EventBridge -> SQS) starts one execution."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.start_from_upload import SCHEMA, start_from_upload

handler = lambda_handler(SCHEMA, start_from_upload)
