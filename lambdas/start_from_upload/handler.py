"""StartFromUpload: an uploaded source file (S3 -> EventBridge -> SQS) starts one execution."""

from covid_etl.handler import lambda_handler, schema
from covid_etl.steps.start_from_upload import start_from_upload

SCHEMA = schema(
    {
        "Records": {
            "type": "array",
            "items": {"type": "object", "required": ["messageId", "body"]},
        }
    }
)

handler = lambda_handler(SCHEMA, start_from_upload)
