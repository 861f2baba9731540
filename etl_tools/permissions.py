"""What each function, the Glue job and the state machine may do: the least-privilege contract.

Terraform builds one IAM role per function from the same lists (infra/modules/functions);
tests/infra checks the roles grant exactly these actions, and the e2e tests record every
AWS call a handler makes and check it is listed here.

A resource is (kind, scope): kind names a resource the pipeline owns; scope is an S3 key
prefix for "bucket" (empty for bucket-level actions) and empty otherwise.
"""

from __future__ import annotations

Grant = tuple[str, str, str]  # (IAM action, resource kind, S3 prefix or "")

BUCKET, DAILY, RUNS, RETRY, DLQ, TOPIC, UPLOADS, STATE_MACHINE, EVENT_BUS = (
    "bucket",
    "daily_table",
    "runs_table",
    "retry_queue",
    "retry_dlq",
    "status_topic",
    "upload_queue",
    "state_machine",
    "event_bus",
)

FUNCTION_GRANTS: dict[str, tuple[Grant, ...]] = {
    "start_run": (
        ("dynamodb:PutItem", RUNS, ""),
        ("dynamodb:GetItem", RUNS, ""),
    ),
    "extract_source": (
        ("s3:GetObject", BUCKET, "landing/"),
        ("s3:GetObject", BUCKET, "raw/"),
        ("s3:PutObject", BUCKET, "raw/"),
        ("s3:GetObject", BUCKET, "state/"),
        ("s3:PutObject", BUCKET, "state/"),
        ("s3:ListBucket", BUCKET, ""),
    ),
    "validate_source": (
        ("s3:GetObject", BUCKET, "raw/"),
        ("s3:PutObject", BUCKET, "staged/"),
        ("s3:PutObject", BUCKET, "rejects/"),
    ),
    "transform_sources": (
        ("s3:GetObject", BUCKET, "staged/"),
        ("s3:PutObject", BUCKET, "staged/"),
    ),
    "collect_retries": (
        ("sqs:ReceiveMessage", RETRY, ""),
        ("s3:PutObject", BUCKET, "staged/"),
    ),
    "plan_load": (
        ("s3:GetObject", BUCKET, "staged/"),
        ("s3:GetObject", BUCKET, "snapshot/"),
        ("s3:PutObject", BUCKET, "staged/"),
        ("s3:ListBucket", BUCKET, ""),
    ),
    "record_pre_load": (("dynamodb:UpdateItem", RUNS, ""),),
    "check_load": (("dynamodb:UpdateItem", RUNS, ""),),
    "reconcile_load": (
        ("s3:GetObject", BUCKET, "staged/"),
        ("s3:GetObject", BUCKET, "failures/"),
        ("s3:PutObject", BUCKET, "staged/"),
        ("s3:ListBucket", BUCKET, ""),
        ("dynamodb:BatchGetItem", DAILY, ""),
    ),
    "queue_failures": (
        ("s3:GetObject", BUCKET, "staged/"),
        ("sqs:SendMessage", RETRY, ""),
        ("sqs:DeleteMessage", RETRY, ""),
        ("sqs:ChangeMessageVisibility", RETRY, ""),
    ),
    "commit_snapshot": (
        ("s3:GetObject", BUCKET, "staged/"),
        ("s3:GetObject", BUCKET, "snapshot/"),
        ("s3:PutObject", BUCKET, "snapshot/"),
        ("s3:ListBucket", BUCKET, ""),
    ),
    "finish_run": (
        ("dynamodb:GetItem", RUNS, ""),
        ("dynamodb:UpdateItem", RUNS, ""),
        ("dynamodb:DeleteItem", RUNS, ""),
    ),
    "fail_run": (
        ("dynamodb:GetItem", RUNS, ""),
        ("dynamodb:UpdateItem", RUNS, ""),
        ("dynamodb:DeleteItem", RUNS, ""),
    ),
    "render_dashboard": (
        ("dynamodb:Scan", DAILY, ""),
        ("dynamodb:Scan", RUNS, ""),
        ("s3:PutObject", BUCKET, "dashboard/"),
    ),
    "notify": (
        ("dynamodb:GetItem", RUNS, ""),
        ("sqs:GetQueueAttributes", DLQ, ""),
        ("s3:GetObject", BUCKET, "dashboard/"),
        ("sns:Publish", TOPIC, ""),
    ),
    # The events after a successful load: entries EventBridge refuses are kept under events/.
    "publish_changes": (
        ("events:PutEvents", EVENT_BUS, ""),
        ("s3:PutObject", BUCKET, "events/"),
    ),
    "announce_run": (
        ("dynamodb:GetItem", RUNS, ""),
        ("dynamodb:UpdateItem", RUNS, ""),
        ("events:PutEvents", EVENT_BUS, ""),
        ("s3:PutObject", BUCKET, "events/"),
    ),
    "start_from_upload": (
        # What the SQS event source mapping needs of the function's role.
        ("sqs:ReceiveMessage", UPLOADS, ""),
        ("sqs:DeleteMessage", UPLOADS, ""),
        ("sqs:GetQueueAttributes", UPLOADS, ""),
        ("states:StartExecution", STATE_MACHINE, ""),
    ),
}

LOAD_JOB_GRANTS: tuple[Grant, ...] = (
    ("s3:GetObject", BUCKET, "staged/"),
    ("s3:PutObject", BUCKET, "failures/"),
    ("dynamodb:BatchWriteItem", DAILY, ""),
    # A batch DynamoDB refuses as a whole is retried item by item to isolate the bad record.
    ("dynamodb:PutItem", DAILY, ""),
    # The processed zone: the staged days as Parquet, partitioned by load date.
    ("s3:PutObject", BUCKET, "processed/"),
)

# botocore operation names whose IAM action differs from "<service>:<Operation>".
_ACTION_OF_OPERATION = {
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "CopyObject"): "s3:PutObject",
}

_IAM_PREFIX = {"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "sns": "sns", "states": "states"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action a botocore call needs (service as botocore names it, e.g. 's3')."""
    return _ACTION_OF_OPERATION.get(
        (service, operation), f"{_IAM_PREFIX.get(service, service)}:{operation}"
    )


def allowed_actions(function: str) -> set[str]:
    return {action for action, _, _ in FUNCTION_GRANTS[function]}
