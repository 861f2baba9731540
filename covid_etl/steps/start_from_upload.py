"""StartFromUpload: an uploaded source file (S3 -> EventBridge -> SQS) starts one execution."""

from __future__ import annotations

from collections import Counter

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from covid_etl import aws
from covid_etl.handler import LOGGER, schema
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
STARTED, DUPLICATE, FOLDER = "started", "duplicate", "folder"


def start_from_upload(settings: Settings, Records: list[dict]) -> dict:
    """One execution per uploaded object (S3 -> EventBridge -> SQS): the file replaces its source.

    The execution name is derived from the object's key, ETag and sequencer, so the same event
    delivered twice starts one execution (Step Functions refuses the second with
    ExecutionAlreadyExists) while a re-upload of the same bytes starts a new one.
    Messages that fail are reported back (partial batch failure, the event source mapping's
    ReportBatchItemFailures) and retried, then go to the DLQ. A batch that fails whole is
    reported the same way, not raised: either way every message comes back.
    """

    def start(record: SQSRecord) -> str:
        upload = parse_upload_event(record.json_body)
        if upload is None:
            return FOLDER
        started = aws.start_execution(
            settings.state_machine_arn, upload.execution_name, upload.input
        )
        return STARTED if started else DUPLICATE

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(Records, start):
        outcomes = processor.process()
    tally = Counter(result if status == "success" else "failed" for status, result, _ in outcomes)
    for status, error, record in outcomes:
        if status == "fail":
            LOGGER.error(f"upload message {record.message_id}: {error}")
    LOGGER.info(
        f"uploads: {tally[STARTED]} started, {tally[DUPLICATE]} duplicate(s), "
        f"{tally[FOLDER]} folder(s) ignored, {tally['failed']} failed"
    )
    return processor.response()
