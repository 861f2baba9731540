"""StartFromUpload: an uploaded source file (S3 -> EventBridge -> SQS) starts one execution."""

from covid_etl import steps
from covid_etl.handler import lambda_handler, schema

SCHEMA = schema(
    {
        "Records": {
            "type": "array",
            "items": {"type": "object", "required": ["messageId", "body"]},
        }
    }
)

handler = lambda_handler(SCHEMA, steps.start_from_upload)
