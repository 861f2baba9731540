"""QueueFailures (covid_etl/steps/queue_failures.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
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
