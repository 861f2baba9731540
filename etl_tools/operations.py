"""Operator commands against a deployed stack: a manual (backfill) trigger, a rebuild and the
DLQ redrive."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3

from etl_tools.naming import Names


def backfill_input(start: str | None, end: str | None) -> dict[str, Any]:
    window = {k: v for k, v in (("from", start), ("to", end)) if v}
    return {"window": window} if window else {}


# The execution input of a full rebuild: planned against the loaded table by the Batch job.
REBUILD_INPUT: dict[str, Any] = {"rebuild": True}


def new_trigger_name(prefix: str = "manual") -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def start_on_aws(session: boto3.Session, names: Names, execution_input: dict[str, Any]) -> str:
    """Start the deployed state machine; returns the execution ARN."""
    response = session.client("stepfunctions").start_execution(
        stateMachineArn=names.state_machine_arn,
        name=new_trigger_name(_execution_prefix(execution_input)),
        input=json.dumps(execution_input),
    )
    return response["executionArn"]


def _execution_prefix(execution_input: dict[str, Any]) -> str:
    if execution_input.get("rebuild"):
        return "rebuild"
    return "backfill" if execution_input else "manual"


def redrive_on_aws(session: boto3.Session, names: Names, timeout_seconds: float = 300) -> int:
    """Move the DLQ's messages back to the retry queue with SQS's own message-move task."""
    sqs = session.client("sqs")
    arn = f"arn:aws:sqs:{names.region}:{names.account_id}:"
    source, destination = arn + names.retry_dlq, arn + names.retry_queue
    handle = sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)["TaskHandle"]
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        tasks = sqs.list_message_move_tasks(SourceArn=source, MaxResults=10)["Results"]
        task = next(t for t in tasks if t.get("TaskHandle") == handle or t["Status"] != "RUNNING")
        if task["Status"] == "COMPLETED":
            return int(task.get("ApproximateNumberOfMessagesMoved", 0))
        if task["Status"] in ("FAILED", "CANCELLED"):
            raise RuntimeError(f"message move task {task['Status']}: {task.get('FailureReason')}")
        time.sleep(2)
    raise TimeoutError(f"message move task still running after {timeout_seconds:.0f} s")
