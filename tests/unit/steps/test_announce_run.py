"""AnnounceRun (covid_etl/steps/announce_run.py) against the in-memory AWS layer: one
RunCompleted event, and the fan-out's counts checked against the records loaded."""

from __future__ import annotations

import json

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.announce_run import announce_run

BATCHES = [
    {
        "changed": 2,
        "published": 2,
        "kept": 0,
        "first_date": "2020-06-01",
        "last_date": "2020-06-02",
    },
    {
        "changed": 1,
        "published": 0,
        "kept": 1,
        "first_date": "2020-06-03",
        "last_date": "2020-06-03",
    },
]


def test_one_run_completed_event_with_the_date_range_and_the_counts_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_aws_layer(monkeypatch)
    fake.runs["r1"] = {"run_id": "r1", "status": "SUCCEEDED", "counts": {"inserted": 2}}

    recorded = announce_run(
        SETTINGS, "r1", "processed/x.parquet", {"inserted": 2, "updated": 1}, BATCHES
    )

    [[entry]] = fake.put_calls
    assert entry["DetailType"] == "RunCompleted"
    detail = json.loads(entry["Detail"])
    assert detail["date_range"] == {"first": "2020-06-01", "last": "2020-06-03"}
    assert detail["parquet"] == "s3://data/processed/x.parquet"
    assert recorded["error"] == "" and recorded["run_completed"] == "published"
    assert fake.runs["r1"]["events"] == recorded


def test_a_loaded_record_neither_published_nor_kept_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws_layer(monkeypatch)
    recorded = announce_run(
        SETTINGS, "r1", "processed/x.parquet", {"inserted": 4, "updated": 0}, BATCHES
    )
    assert recorded["error"] == "1 loaded record(s) neither published nor kept"


def test_a_failed_map_is_recorded_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws_layer(monkeypatch)
    failed = {"Error": "States.ExceedToleratedFailureThreshold", "Cause": "a batch failed"}
    recorded = announce_run(
        SETTINGS, "r1", "processed/x.parquet", {"inserted": 1, "updated": 0}, failed
    )
    assert recorded["error"] == "States.ExceedToleratedFailureThreshold: a batch failed"
    assert recorded["published"] == 0
