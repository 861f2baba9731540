"""StartFromUpload (covid_etl/steps/start_from_upload.py): Powertools' BatchProcessor reports the
messages that failed, so SQS (ReportBatchItemFailures) sends back only those."""

from __future__ import annotations

import json

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.start_from_upload import start_from_upload


def message(message_id: str, key: str, detail_type: str = "Object Created") -> dict:
    body = {
        "detail-type": detail_type,
        "detail": {
            "bucket": {"name": "data"},
            "object": {"key": key, "etag": "e1", "sequencer": "0A1", "version-id": message_id},
        },
    }
    return {"messageId": message_id, "body": json.dumps(body)}


def test_only_the_messages_that_failed_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    batch = [
        message("m1", "landing/nyt/us.csv"),
        message("m2", "landing/cdc/x.csv"),  # no such source
        message("m3", "landing/jhu/"),  # a folder: nothing to do, not a failure
        message("m4", "landing/nyt/us.csv", detail_type="Object Deleted"),
    ]
    response = start_from_upload(SETTINGS, batch)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m4"}]}
    [execution_input] = fake_aws.executions.values()
    assert execution_input == {"sources": {"nyt": "s3://data/landing/nyt/us.csv"}}


def test_a_batch_that_fails_whole_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Powertools raises BatchProcessingError by default; the reply says the same (every message
    comes back) and keeps the function's error metric for real faults."""
    fake_aws_layer(monkeypatch)
    response = start_from_upload(SETTINGS, [message("m1", "landing/us.csv")])
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_the_same_event_delivered_twice_starts_one_execution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    twice = [message("m1", "landing/jhu/combined.csv")] * 2
    assert start_from_upload(SETTINGS, twice) == {"batchItemFailures": []}
    assert len(fake_aws.executions) == 1
