"""QueueFailures (covid_etl/steps/queue_failures.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer, first_load

from covid_etl import keys
from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.records import NEW, RETRY, DailyRecord, to_csv
from covid_etl.steps.queue_failures import queue_failures

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)


def test_failed_records_are_queued_and_retry_messages_settled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    outcome = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0)]
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv(
        outcome,
        {
            "kind": [NEW, NEW],
            "origin": [RETRY, "today"],
            "outcome": ["failed", "failed"],
            "reason": ["throttled", "throttled"],
        },
    )
    retries = [{"record": outcome[0].as_row(), "receipt_handle": "h1", "kind": NEW}]
    fake_aws.objects[("data", keys.retries("r1"))] = json.dumps(retries).encode()

    counts = queue_failures(SETTINGS, "r1")

    assert counts == {"queued": 2, "requeued": 1, "settled": 0}
    assert fake_aws.made_visible == ["h1"] and fake_aws.deleted == []
    assert [m["record"]["date"] for m in fake_aws.sent] == ["2020-03-02"]


def test_a_failed_county_is_queued_with_its_dataset_and_its_retry_settled_by_its_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    king = spec.record(D1, "53033", "King", "Washington", 10, 1)
    autauga = spec.record(D1, "01001", "Autauga", "Alabama", 1, 0)
    outcome = {
        "kind": [NEW, NEW],
        "origin": ["today", "today"],
        "outcome": ["loaded", "failed"],
        "reason": ["", "throttled"],
    }
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv([autauga, king], outcome, spec)
    # A retry of the same date, another county: settled by its own (date, fips) only.
    retries = [{"record": autauga.as_row(), "receipt_handle": "h1", "kind": NEW}]
    fake_aws.objects[("data", keys.retries("r1"))] = json.dumps(retries).encode()

    counts = queue_failures(SETTINGS, "r1", "us-counties")

    assert counts == {"queued": 1, "requeued": 0, "settled": 1}
    assert fake_aws.deleted == ["h1"]
    [message] = fake_aws.sent
    assert message["dataset"] == "us-counties" and message["record"] == king.as_row()


def test_a_failed_first_load_is_streamed_and_sent_a_batch_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A county first load whose load failed: 2,500 failures, the outcome never read whole.
    fake_aws = fake_aws_layer(monkeypatch)
    failed = {"kind": [NEW], "origin": ["today"], "outcome": ["failed"], "reason": ["throttled"]}
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv(
        first_load(2500, D1),
        {column: value * 2500 for column, value in failed.items()},
        DATASETS[US_COUNTIES],
    )
    fake_aws.streamed_only.add(("data", keys.outcome("r1")))
    calls: list[int] = []
    monkeypatch.setattr(fake_aws, "send_messages", lambda url, bodies: calls.append(len(bodies)))

    counts = queue_failures(SETTINGS, "r1", "us-counties")

    assert counts == {"queued": 2500, "requeued": 0, "settled": 0}
    assert calls == [1000, 1000, 500]
