"""StartFromUpload (covid_etl/steps/start_from_upload.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.start_from_upload import start_from_upload


def message(message_id: str, key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    event = {
        "detail-type": detail_type,
        "detail": {"bucket": {"name": "data"}, "object": {"key": key, "etag": "e1"}},
    }
    return {"messageId": message_id, "body": json.dumps(event)}


def test_each_upload_starts_one_execution_and_a_bad_message_alone_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    records = [
        message("m1", "landing/nyt/us.csv"),
        message("m2", "landing/nyt/us.csv"),  # the same event delivered twice
        message("m3", "landing/nyt/"),  # a folder: nothing to load
        message("m4", "landing/cdc/us.csv"),  # not a source
        message("m5", "landing/jhu/j.csv", detail_type="Object Deleted"),
    ]

    result = start_from_upload(SETTINGS, records)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m4"}, {"itemIdentifier": "m5"}]}
    assert list(fake_aws.executions.values()) == [
        {"sources": {"nyt": "s3://data/landing/nyt/us.csv"}}
    ]
