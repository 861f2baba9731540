"""PublishChanges: a batch of changes as RecordChanged events; refused entries are sent again,
and what EventBridge still refuses is kept in S3 and counted, never dropped."""

from __future__ import annotations

import json

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.steps._common import PUT_EVENTS_ATTEMPTS
from covid_etl.steps.publish_changes import publish_changes


def changes(n: int) -> list[dict]:
    after = {"cases": 1, "deaths": 0, "recovered": 0}
    return [
        {"date": f"2020-06-{d:02d}", "change": "new", "before": None, "after": after}
        for d in range(1, n + 1)
    ]


def test_a_batch_is_published_in_calls_of_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_aws_layer(monkeypatch)
    result = publish_changes(SETTINGS, "run-1", changes(23))
    assert [len(c) for c in fake.put_calls] == [10, 10, 3]
    assert result == {"changed": 23, "published": 23, "kept": 0,
                      "first_date": "2020-06-01", "last_date": "2020-06-23"}  # fmt: skip
    assert not any(key[1].startswith("events/") for key in fake.objects)


def test_refused_entries_are_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_aws_layer(monkeypatch)
    fake.refuse_entries = 4
    result = publish_changes(SETTINGS, "run-1", changes(12))
    assert [len(c) for c in fake.put_calls] == [10, 2, 4]
    assert (result["published"], result["kept"]) == (12, 0)


def test_what_stays_refused_is_kept_in_s3_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_aws_layer(monkeypatch)
    fake.refuse_entries = 1_000
    result = publish_changes(SETTINGS, "run-1", changes(3))
    assert len(fake.put_calls) == PUT_EVENTS_ATTEMPTS
    assert (result["changed"], result["published"], result["kept"]) == (3, 0, 3)
    kept = json.loads(fake.objects[("data", keys.unpublished("run-1", "2020-06-01"))])
    assert [json.loads(k["entry"]["Detail"])["date"] for k in kept] == [
        "2020-06-01",
        "2020-06-02",
        "2020-06-03",
    ]
    assert {k["error_code"] for k in kept} == {"InternalFailure"}


def test_a_county_change_carries_its_key_columns_and_is_identified_by_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_aws_layer(monkeypatch)
    after = {"county": "Unknown", "state": "Washington", "cases": 3, "deaths": 0}
    item = {"date": "2020-06-01", "fips": "Washington/Unknown", "change": "new", "before": None,
            "after": after}  # fmt: skip
    result = publish_changes(SETTINGS, "run-1", [item], "us-counties")
    assert (result["published"], result["first_date"]) == (1, "2020-06-01")
    [[entry]] = fake.put_calls
    detail = json.loads(entry["Detail"])
    assert detail["id"] == "run-1/2020-06-01/Washington/Unknown"
    assert (detail["date"], detail["fips"], detail["after"]) == (
        "2020-06-01",
        "Washington/Unknown",
        after,
    )
