"""CollectRetries (covid_etl/steps/collect_retries.py) against the in-memory AWS layer."""

from __future__ import annotations

import json

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.steps.collect_retries import collect_retries

RECORD = {"date": "2020-03-01", "cases": "1", "deaths": "0", "recovered": "0"}


def test_the_queued_records_are_listed_with_their_receipt_and_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.received = [
        {
            "ReceiptHandle": "h1",
            "Attributes": {"ApproximateReceiveCount": "2"},
            "Body": json.dumps({"run_id": "r0", "kind": "revised", "record": RECORD}),
        }
    ]

    assert collect_retries(SETTINGS, "r1") == {"received": 1}

    entries = json.loads(fake_aws.objects[("data", keys.retries("r1"))])
    assert entries == [
        {
            "receipt_handle": "h1",
            "receive_count": 2,
            "from_run": "r0",
            "kind": "revised",
            "record": RECORD,
        }
    ]
    # Received, not deleted: the messages stay in the queue until the run settles them.
    assert fake_aws.deleted == []


def test_an_empty_queue_still_writes_the_runs_retries_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    assert collect_retries(SETTINGS, "r1") == {"received": 0}
    assert json.loads(fake_aws.objects[("data", keys.retries("r1"))]) == []


def test_a_run_takes_its_own_datasets_messages_and_gives_the_others_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    county = {"date": "2020-03-01", "fips": "53033", "county": "King", "state": "Washington",
              "cases": "10", "deaths": "1"}  # fmt: skip
    bodies = {
        "national": {"run_id": "r0", "kind": "new", "record": RECORD},
        "county": {"run_id": "r0", "kind": "new", "record": county, "dataset": "us-counties"},
    }
    fake_aws.received = [
        {
            "ReceiptHandle": handle,
            "Attributes": {"ApproximateReceiveCount": "1"},
            "Body": json.dumps(body),
        }
        for handle, body in bodies.items()
    ]

    assert collect_retries(SETTINGS, "r1", "us-counties") == {"received": 1}
    [entry] = json.loads(fake_aws.objects[("data", keys.retries("r1"))])
    assert entry["record"] == county
    assert fake_aws.made_visible == ["national"]  # for the next us run

    fake_aws.made_visible = []
    assert collect_retries(SETTINGS, "r2") == {"received": 1}
    assert fake_aws.made_visible == ["county"]
