"""All AWS access of the Lambda functions: S3, DynamoDB, SQS, SNS, Step Functions, EventBridge and
the Redshift Data API, thin and typed.

Everything above this module works on plain values; everything here is a direct boto3 call.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, BinaryIO

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from boto3.s3.transfer import TransferConfig
from botocore import exceptions as botocore_errors
from botocore.config import Config
from botocore.exceptions import ClientError

from covid_etl.datasets import Dataset, Record
from covid_etl.records import US

_client_lock = threading.Lock()
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

LOCK_KEY = "LOCK"
RUN_KEY_PREFIX = "RUN#"


# Every call bounded: 3 attempts x (5 s connect + 30 s read) + two backoffs of at most 20 s
# (standard mode) = 145 s, inside the functions' 180 s timeout (docs/aws-review.md). The key is
# total_max_attempts: botocore reads a client config's max_attempts as retries (one more try).
SDK_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5, read_timeout=30
)
# S3 signs with SigV4 explicitly: botocore still presigns with SigV2 in us-east-1, which an
# SSE-KMS object refuses.
SERVICE_CONFIG = {"s3": Config(signature_version="s3v4")}


@cache
def _cached_client(service: str) -> Any:
    return boto3.client(service, config=SDK_CONFIG.merge(SERVICE_CONFIG.get(service, Config())))


def client(service: str) -> Any:
    # boto3's default session is not safe to create clients from in parallel threads.
    with _client_lock:
        return _cached_client(service)


def reset_clients() -> None:
    """Forget cached clients (the local runner calls this when it switches embedded AWS)."""
    _cached_client.cache_clear()


# --- Errors the state machine retries ---------------------------------------------------


class TransientAwsError(Exception):
    """Throttling, a 5xx or a lost connection that outlasted the SDK's retries: every Task's
    Retry names this error, so the step is tried again later instead of failing the run."""


# botocore's own throttling codes (retryhandler/standard), plus S3's and DynamoDB's.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def transient(exc: BaseException) -> TransientAwsError | None:
    """The TransientAwsError an AWS error stands for, or None when retrying cannot help."""
    if isinstance(exc, botocore_errors.ConnectionError | botocore_errors.HTTPClientError):
        return TransientAwsError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in THROTTLING_CODES or status >= 500:
            return TransientAwsError(f"{code or status}: {exc}")
    return None


# --- S3 -------------------------------------------------------------------------------


class ObjectTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(f"{size:,} bytes")
        self.size = size


def _get(bucket: str, key: str) -> dict[str, Any] | None:
    """GetObject's response (its body not read yet), or None when the object does not exist."""
    try:
        return client("s3").get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise


def get_object(bucket: str, key: str, max_bytes: int | None = None) -> bytes | None:
    """The object's bytes, or None when it does not exist; over ``max_bytes`` it is not read."""
    response = _get(bucket, key)
    if response is None:
        return None
    if max_bytes is not None and response["ContentLength"] > max_bytes:
        response["Body"].close()
        raise ObjectTooLarge(response["ContentLength"])
    return response["Body"].read()


@dataclass(frozen=True)
class ObjectHead:
    size: int  # bytes
    version_id: str | None  # None in a bucket without versioning


def head_object(bucket: str, key: str) -> ObjectHead | None:
    """The object's size and version (HeadObject: nothing read), or None when it does not exist."""
    try:
        head = client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise
    return ObjectHead(head["ContentLength"], head.get("VersionId"))


def copy_object(
    source_bucket: str, source_key: str, bucket: str, key: str, version_id: str | None = None
) -> None:
    """Copy an object server-side: its bytes never pass through the function (CopyObject: up
    to 5 GB, datasets.COPY_OBJECT_MAX_BYTES). With ``version_id``, that version, the one a
    HeadObject checked, even when the key was written again since."""
    source = {"Bucket": source_bucket, "Key": source_key}
    if version_id is not None:
        source["VersionId"] = version_id
    client("s3").copy_object(Bucket=bucket, Key=key, CopySource=source)


def open_object(bucket: str, key: str) -> BinaryIO | None:
    """The object as a stream read as it is consumed (a file too large to hold), or None when
    it does not exist."""
    response = _get(bucket, key)
    return None if response is None else response["Body"]


def put_object(bucket: str, key: str, body: bytes, content_type: str = "text/csv") -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


# An upload holds at most this many 8 MB parts in memory (s3transfer's default is 10: 80 MB
# of the functions' 256 MB for a stream read as it is sent, a download piped to S3).
UPLOAD_PARTS_IN_MEMORY = 4
UPLOAD_CONFIG = TransferConfig(max_concurrency=UPLOAD_PARTS_IN_MEMORY)
UPLOAD_CONFIG.max_in_memory_upload_chunks = UPLOAD_PARTS_IN_MEMORY


def upload_file(bucket: str, key: str, file: BinaryIO, content_type: str = "text/csv") -> None:
    """Upload ``file`` as it reads (a spooled temp file, a download's stream): multipart once
    it is large, so the object is never whole in memory; an error while reading aborts the
    upload and leaves no object. The file is closed once uploaded (s3transfer does,
    boto/s3transfer#80)."""
    client("s3").upload_fileobj(
        file, bucket, key, ExtraArgs={"ContentType": content_type}, Config=UPLOAD_CONFIG
    )


def presigned_url(bucket: str, key: str, expires_seconds: int) -> str:
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_seconds
    )


# --- DynamoDB: items ------------------------------------------------------------------


def to_item(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in value.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


# --- DynamoDB: the run lock and run records --------------------------------------------


class LockHeld(Exception):
    def __init__(self, holder: dict[str, Any]):
        super().__init__(f"lock held by run {holder.get('run_id')}")
        self.holder = holder


def acquire_lock(table: str, run_id: str, since: str, now_epoch: int, lease_seconds: int) -> None:
    """Conditional write: free, or held by an expired lease (a crashed run), or already ours."""
    try:
        client("dynamodb").put_item(
            TableName=table,
            Item=to_item(
                {
                    "pk": LOCK_KEY,
                    "run_id": run_id,
                    "since": since,
                    "expires_at": now_epoch + lease_seconds,
                }
            ),
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR run_id = :me",
            ExpressionAttributeValues={":now": {"N": str(now_epoch)}, ":me": {"S": run_id}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        holder = client("dynamodb").get_item(
            TableName=table, Key={"pk": {"S": LOCK_KEY}}, ConsistentRead=True
        )
        raise LockHeld(from_item(holder.get("Item", {}))) from None


def release_lock(table: str, run_id: str) -> bool:
    """Release the lock if this run holds it; True when it did."""
    try:
        client("dynamodb").delete_item(
            TableName=table,
            Key={"pk": {"S": LOCK_KEY}},
            ConditionExpression="run_id = :me",
            ExpressionAttributeValues={":me": {"S": run_id}},
        )
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


def put_run(table: str, run: dict[str, Any]) -> None:
    item = {"pk": RUN_KEY_PREFIX + run["run_id"], **run}
    client("dynamodb").put_item(TableName=table, Item=to_item(item))


def update_run(table: str, run_id: str, fields: dict[str, Any]) -> None:
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        return
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":v{i}": _serializer.serialize(_to_dynamo(v)) for i, v in enumerate(fields.values())}
    client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": RUN_KEY_PREFIX + run_id}},
        UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def get_run(table: str, run_id: str) -> dict[str, Any] | None:
    item = (
        client("dynamodb")
        .get_item(TableName=table, Key={"pk": {"S": RUN_KEY_PREFIX + run_id}}, ConsistentRead=True)
        .get("Item")
    )
    return from_item(item) if item else None


def scan(table: str) -> Iterator[dict[str, Any]]:
    for page in client("dynamodb").get_paginator("scan").paginate(TableName=table):
        yield from (from_item(item) for item in page["Items"])


def scan_runs(table: str) -> list[dict[str, Any]]:
    return [item for item in scan(table) if item["pk"].startswith(RUN_KEY_PREFIX)]


# --- DynamoDB: the loaded table ---------------------------------------------------------


def batch_get_records(
    table: str, record_keys: Iterable[tuple], spec: Dataset = US
) -> dict[tuple, Record]:
    """The loaded records of these keys (a record's ``key``: the date, then the dataset's other
    key columns; 100 keys per request, unprocessed keys retried)."""
    keys = [
        {
            name: {"S": value.isoformat() if name == "date" else value}
            for name, value in zip(spec.table_key, key, strict=True)
        }
        for key in sorted(set(record_keys))
    ]
    found: dict[tuple, Record] = {}
    for start in range(0, len(keys), 100):
        request = {table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                record = spec.record.from_row(from_item(item))
                found[record.key] = record
            request = response.get("UnprocessedKeys") or {}
    return found


def scan_records(table: str, spec: Dataset = US) -> list[Record]:
    return sorted(spec.record.from_row(item) for item in scan(table))


# --- SQS: the retry queue -------------------------------------------------------------


def receive_all(queue_url: str, visibility_seconds: int, limit: int = 10_000) -> list[dict]:
    """Drain what is visible now; messages stay in the queue, hidden, until deleted.

    An empty answer ends the loop, so it must mean empty: no WaitTimeSeconds here, the queue's
    own ReceiveMessageWaitTimeSeconds applies (Terraform sets long polling on the retry queue).
    A short poll samples some of SQS's servers and can answer empty while messages wait.
    """
    messages: list[dict] = []
    while len(messages) < limit:
        batch = (
            client("sqs")
            .receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=visibility_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
            .get("Messages", [])
        )
        if not batch:
            break
        messages.extend(batch)
    return messages


def send_messages(queue_url: str, bodies: list[dict[str, Any]]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body, sort_keys=True)}
            for i, body in enumerate(bodies[start : start + 10])
        ]
        response = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(
                f"SQS refused {len(response['Failed'])} messages: {response['Failed']}"
            )


def delete_messages(queue_url: str, receipt_handles: list[str]) -> None:
    for start in range(0, len(receipt_handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": handle}
            for i, handle in enumerate(receipt_handles[start : start + 10])
        ]
        client("sqs").delete_message_batch(QueueUrl=queue_url, Entries=entries)


def make_visible(queue_url: str, receipt_handles: list[str]) -> None:
    """Give messages back to the queue now, so the next run receives them (and counts it)."""
    for start in range(0, len(receipt_handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for i, handle in enumerate(receipt_handles[start : start + 10])
        ]
        client("sqs").change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def queue_depth(queue_url: str) -> int:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


# --- Step Functions -----------------------------------------------------------------------


def start_execution(state_machine_arn: str, name: str, execution_input: dict[str, Any]) -> bool:
    """Start an execution; False when one of that name exists already (a duplicate request)."""
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(execution_input)
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True


class TaskTokenInvalid(Exception):
    """Step Functions no longer waits on this task token (answered already, or timed out)."""


def send_task_success(task_token: str, output: dict[str, Any]) -> None:
    _answer_task("send_task_success", taskToken=task_token, output=json.dumps(output))


def send_task_failure(task_token: str, error: str, cause: str) -> None:
    _answer_task("send_task_failure", taskToken=task_token, error=error, cause=cause)


def _answer_task(operation: str, **params: str) -> None:
    sfn = client("stepfunctions")
    gone = (
        sfn.exceptions.InvalidToken,
        sfn.exceptions.TaskTimedOut,
        sfn.exceptions.TaskDoesNotExist,
    )
    try:
        getattr(sfn, operation)(**params)
    except gone as exc:
        raise TaskTokenInvalid(exc.response["Error"]["Code"]) from None


# --- SNS --------------------------------------------------------------------------------


def publish(topic_arn: str, subject: str, message: str) -> None:
    client("sns").publish(TopicArn=topic_arn, Subject=subject[:100], Message=message)


# --- EventBridge --------------------------------------------------------------------------


def put_events(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """One PutEvents call; the entries EventBridge refused, each with its error code."""
    response = client("events").put_events(Entries=entries)
    if not response.get("FailedEntryCount"):
        return []
    return [
        (event, result.get("ErrorCode", "unknown"))
        for event, result in zip(entries, response["Entries"], strict=True)
        if "ErrorCode" in result
    ]


# --- Redshift Data API (the optional warehouse) ---------------------------------------------


def execute_statement(workgroup: str, database: str, sql: str) -> str:
    """Submit one SQL statement to a Redshift Serverless workgroup, as the caller's IAM identity
    (redshift-serverless:GetCredentials); the statement's id, to follow with describe_statement."""
    response = client("redshift-data").execute_statement(
        WorkgroupName=workgroup, Database=database, Sql=sql
    )
    return response["Id"]


def describe_statement(statement_id: str) -> dict[str, Any]:
    """Status (SUBMITTED, PICKED, STARTED, FINISHED, FAILED, ABORTED), Error and ResultRows."""
    response = client("redshift-data").describe_statement(Id=statement_id)
    return {
        "status": response["Status"],
        "error": response.get("Error", ""),
        "rows": response.get("ResultRows", -1),
    }
