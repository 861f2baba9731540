"""Every queue read that ends on an empty answer long-polls (docs/aws-review.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from covid_etl import aws

from . import tfconfig

LIBRARY = Path(aws.__file__).resolve().parent


def short_polls(source: str, filename: str) -> list[str]:
    """receive_message calls that force a short poll (WaitTimeSeconds=0)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "receive_message":
            for keyword in node.keywords:
                if keyword.arg == "WaitTimeSeconds" and ast.literal_eval(keyword.value) == 0:
                    found.append(
                        f"{filename}:{node.lineno}: receive_message with WaitTimeSeconds=0"
                    )
    return found


def test_no_function_code_short_polls() -> None:
    """The runtime package, whole; the local runner (etl_tools, not packaged) may: moto
    answers every receive from all messages."""
    files = list(LIBRARY.rglob("*.py"))
    assert any("receive_message" in p.read_text() for p in files)
    assert [s for p in files for s in short_polls(p.read_text(), p.name)] == []


def test_the_short_poll_check_rejects_the_old_drain() -> None:
    old = "client('sqs').receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=0)"
    assert short_polls(old, "aws.py") == ["aws.py:1: receive_message with WaitTimeSeconds=0"]


def test_the_retry_queue_long_polls() -> None:
    queues = tfconfig.load_module(tfconfig.INFRA / "modules" / "queues")
    assert queues.resource("aws_sqs_queue", "retry").body["receive_wait_time_seconds"] >= 1
