"""StartFromUpload: an uploaded source file (S3 -> EventBridge -> SQS) starts one execution."""

from __future__ import annotations

import json

from covid_etl import aws
from covid_etl.handler import logger, schema
from covid_etl.settings import Settings
from covid_etl.uploads import parse_upload_event

# The SQS event of the upload queue (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "Records": {
            "type": "array",
            "items": {"type": "object", "required": ["messageId", "body"]},
        }
    }
)


def start_from_upload(settings: Settings, Records: list[dict]) -> dict:
    """One execution per uploaded object (S3 -> EventBridge -> SQS): the file replaces its source.

    The execution name is derived from the object's key, ETag and sequencer, so the same event
    delivered twice starts one execution (Step Functions refuses the second with
    ExecutionAlreadyExists) while a re-upload of the same bytes starts a new one.
    Messages that fail are reported back (partial batch failure) and retried, then go to the DLQ.
    """
    failures, started, duplicates, folders = [], 0, 0, 0
    for record in Records:
        try:
            upload = parse_upload_event(json.loads(record["body"]))
            if upload is None:
                folders += 1
            elif aws.start_execution(
                settings.state_machine_arn, upload.execution_name, upload.input
            ):
                started += 1
            else:
                duplicates += 1
        except Exception as exc:  # noqa: BLE001 - reported per message, never the whole batch
            logger().error(f"upload message {record.get('messageId')}: {type(exc).__name__}: {exc}")
            failures.append({"itemIdentifier": record["messageId"]})
    logger().info(
        f"uploads: {started} started, {duplicates} duplicate(s), {folders} folder(s) ignored, "
        f"{len(failures)} failed"
    )
    return {"batchItemFailures": failures}
