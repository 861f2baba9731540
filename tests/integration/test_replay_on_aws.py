"""`etl replay --subscriber NAME --env ENV` (etl_tools/subscribers.py replay_from_archive) on
moto: the DLQ named as modules/subscribers names it, an EventBridge replay from the bus's archive
of the DLQ's time range to that subscriber's rule alone, the DLQ emptied once it completed.

moto replays every archived event to every rule of the bus (it ignores the window and
FilterArns), so what AWS filters is checked on the request: the window and the FilterArns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from covid_etl import aws
from etl_tools import cli
from etl_tools.naming import Names
from etl_tools.subscribers import ReplaySetupError, replay_from_archive, replay_window

NAMES = Names("dev", "123456789012")


def event(day: str, time: str) -> dict[str, Any]:
    return {
        "id": day,
        "source": "covid-etl",
        "detail-type": "RecordChanged",
        "time": time,
        "detail": {"date": day},
    }


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The bus, its archive, subscriber flaky's rule (an SQS target stands in for its API
    destination, which moto does not deliver to) and its DLQ holding two refused events."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset_clients()
        session = boto3.Session()
        events, sqs = session.client("events"), session.client("sqs")
        bus_arn = events.create_event_bus(Name=NAMES.event_bus)["EventBusArn"]
        events.create_archive(ArchiveName=NAMES.event_bus, EventSourceArn=bus_arn)
        endpoint = sqs.create_queue(QueueName="endpoint")["QueueUrl"]
        endpoint_arn = sqs.get_queue_attributes(QueueUrl=endpoint, AttributeNames=["QueueArn"])
        rule_arn = events.put_rule(
            Name=f"{NAMES.prefix}-flaky",
            EventBusName=NAMES.event_bus,
            EventPattern=json.dumps({"source": ["covid-etl"]}),
        )["RuleArn"]
        events.put_targets(
            Rule=f"{NAMES.prefix}-flaky",
            EventBusName=NAMES.event_bus,
            Targets=[{"Id": "endpoint", "Arn": endpoint_arn["Attributes"]["QueueArn"]}],
        )
        events.put_events(
            Entries=[
                {
                    "EventBusName": NAMES.event_bus,
                    "Source": "covid-etl",
                    "DetailType": "RecordChanged",
                    "Detail": json.dumps({"date": "2020-09-01"}),
                }
            ]
        )
        dlq = sqs.create_queue(QueueName=f"{NAMES.prefix}-flaky-dlq")["QueueUrl"]
        for body in (
            event("2020-09-01", "2026-11-29T10:00:05Z"),
            event("2020-09-02", "2026-11-29T10:00:03Z"),
        ):
            sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body))
        started: list[dict[str, Any]] = []
        session.events.register(
            "provide-client-params.events.StartReplay", lambda params, **_: started.append(params)
        )
        yield {"session": session, "dlq": dlq, "rule_arn": rule_arn, "started": started}
    aws.reset_clients()


def test_the_dlqs_events_are_replayed_to_the_subscribers_rule_alone(deployed) -> None:
    resent, kept = replay_from_archive(deployed["session"], NAMES, "flaky", sleep=lambda s: None)

    assert (resent, kept) == (2, 0)
    [request] = deployed["started"]
    assert request["Destination"]["FilterArns"] == [deployed["rule_arn"]]
    assert request["EventSourceArn"].endswith(f":archive/{NAMES.event_bus}")
    assert (request["EventStartTime"], request["EventEndTime"]) == (
        datetime(2026, 11, 29, 10, 0, 3, tzinfo=UTC),
        datetime(2026, 11, 29, 10, 0, 6, tzinfo=UTC),
    )
    assert aws.queue_depth(deployed["dlq"]) == 0


def test_an_empty_dlq_starts_no_replay(deployed) -> None:
    aws.client("sqs").purge_queue(QueueUrl=deployed["dlq"])
    assert replay_from_archive(deployed["session"], NAMES, "flaky") == (0, 0)
    assert deployed["started"] == []


def test_an_unknown_subscriber_is_a_setup_error(deployed) -> None:
    with pytest.raises(ReplaySetupError, match="subscriber 'nobody'"):
        replay_from_archive(deployed["session"], NAMES, "nobody")


def test_the_window_covers_every_event_to_the_second() -> None:
    start, end = replay_window(
        [event("a", "2026-01-01T00:00:09Z"), event("b", "2026-01-01T00:00:01Z")]
    )
    assert (start.second, end.second) == (1, 10)


def test_etl_replay_with_env_replays_on_aws_and_exits_by_the_outcome(
    deployed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("etl_tools.subscribers.time.sleep", lambda s: None)
    assert cli.main(["replay", "--subscriber", "nobody", "--env", "dev"]) == 2
    assert "etl replay: subscriber 'nobody'" in capsys.readouterr().out
    assert cli.main(["replay", "--subscriber", "flaky", "--env", "dev"]) == 0
    assert "replayed to flaky from the archive: 2 re-sent, 0 kept" in capsys.readouterr().out
