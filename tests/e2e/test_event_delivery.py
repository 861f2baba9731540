"""The events after a load, on the embedded AWS: RecordChanged per changed record through the
distributed Map, one RunCompleted, counted in the run record; refused entries kept in S3 (sent
again before that: tests/unit/steps/test_publish_changes.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from conftest import Pipeline, revised_nyt

from covid_etl import aws, keys
from covid_etl.events import RECORD_CHANGED, RUN_COMPLETED, SOURCE


@pytest.fixture
def bus_queue(loaded: Pipeline) -> Iterator[str]:
    """Every event on the pipeline's bus, through a rule into an SQS queue (moto delivers those)."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    bus = loaded.stack.names.event_bus
    url = sqs.create_queue(QueueName="test-bus-capture")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="capture", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule="capture", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    yield url
    events.remove_targets(Rule="capture", EventBusName=bus, Ids=["q"])
    events.delete_rule(Name="capture", EventBusName=bus)
    sqs.delete_queue(QueueUrl=url)


def captured(url: str, run_id: str) -> list[dict]:
    """The events of this run delivered so far (all delivered are taken off the queue)."""
    messages = aws.receive_all(url, visibility_seconds=60)
    aws.delete_messages(url, [m["ReceiptHandle"] for m in messages])
    events = [json.loads(m["Body"]) for m in messages]
    return [e for e in events if e["detail"]["run_id"] == run_id]


def settle(loaded: Pipeline) -> None:
    """Back to the shipped files' table, whatever ran before in this module."""
    assert loaded.run().status == "SUCCEEDED"


def test_three_changed_days_send_three_record_changed_and_one_run_completed_then_none(
    loaded: Pipeline, bus_queue: str
) -> None:
    days = ("2020-06-01", "2020-06-02", "2020-06-03")
    settle(loaded)
    before = {r.date.isoformat(): r for r in loaded.table()}
    result = loaded.run(nyt=revised_nyt(*days, bump=7))
    assert result.status == "SUCCEEDED", result.cause
    events = captured(bus_queue, result.run_id)
    changed = [e for e in events if e["detail-type"] == RECORD_CHANGED]
    [completed] = [e for e in events if e["detail-type"] == RUN_COMPLETED]
    assert sorted(e["detail"]["date"] for e in changed) == list(days)
    for event in changed:
        detail, old = event["detail"], before[event["detail"]["date"]]
        assert detail["change"] == "revised" and detail["run_id"] == result.run_id
        assert detail["before"]["cases"] == old.cases
        assert detail["after"]["cases"] == old.cases + 7
    detail = completed["detail"]
    assert detail["run_id"] == result.run_id
    assert detail["date_range"] == {"first": days[0], "last": days[-1]}
    assert detail["counts"]["updated"] == 3
    assert detail["parquet"].startswith(f"s3://{loaded.stack.settings.data_bucket}/processed/")
    recorded = aws.get_run(loaded.stack.settings.runs_table, result.run_id)["events"]
    assert (recorded["changed"], recorded["published"], recorded["kept"]) == (3, 3, 0)
    assert recorded["error"] == "" and recorded["run_completed"] == "published"
    # The same sources again: the run loads nothing and sends no event.
    again = loaded.run(nyt=revised_nyt(*days, bump=7))
    assert again.status == "SUCCEEDED" and again.run["counts"]["delta"] == 0
    assert captured(bus_queue, again.run_id) == []
    assert "events" not in aws.get_run(loaded.stack.settings.runs_table, again.run_id)


def test_entries_eventbridge_keeps_refusing_are_kept_in_s3_and_counted(loaded: Pipeline) -> None:
    settle(loaded)
    loaded.stack.bridge.refuse_event_entries = 1_000  # every PutEvents entry refused
    try:
        result = loaded.run(nyt=revised_nyt("2020-07-01", bump=11))
    finally:
        loaded.stack.bridge.refuse_event_entries = 0
    assert result.status == "SUCCEEDED", result.cause
    recorded = aws.get_run(loaded.stack.settings.runs_table, result.run_id)["events"]
    assert (recorded["changed"], recorded["published"], recorded["kept"]) == (1, 0, 1)
    assert recorded["run_completed"] == "kept"
    bucket = loaded.stack.settings.data_bucket
    [kept] = json.loads(aws.get_object(bucket, keys.unpublished(result.run_id, "2020-07-01")))
    assert kept["error_code"] == "InternalFailure"
    assert json.loads(kept["entry"]["Detail"])["date"] == "2020-07-01"
    assert aws.get_object(bucket, keys.unpublished(result.run_id, "run"))
