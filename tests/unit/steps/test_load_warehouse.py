"""LoadWarehouse (covid_etl/steps/load_warehouse.py) against the in-memory AWS layer: the load's
statements run in order, each polled to its end, the outcome recorded on the run, a failure
emailed and raised."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fake_aws import SETTINGS, FakeAws, fake_aws_layer

from covid_etl import keys, warehouse
from covid_etl.handler import InvalidEvent
from covid_etl.steps import load_warehouse as step
from covid_etl.steps.load_warehouse import SCHEMA, WarehouseLoadFailed, load_warehouse
from lambdas.load_warehouse.handler import handler

WAREHOUSE = replace(
    SETTINGS,
    warehouse_workgroup="covid-etl-dev-warehouse",
    warehouse_copy_role_arn="arn:aws:iam::123456789012:role/covid-etl-dev-warehouse-copy",
)
PARQUET = f"s3://data/{keys.processed('2020-06-01', 'r1')}"
# The RunCompleted detail as announce_run sends it (the rule passes $.detail).
DETAIL = {
    "run_id": "r1",
    "status": "SUCCEEDED",
    "counts": {"inserted": 2, "updated": 1},
    "parquet": PARQUET,
    "date_range": {"first": "2020-06-01", "last": "2020-06-03"},
    "record_changed": {"published": 3, "kept": 0},
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    sleeps: list[float] = []
    monkeypatch.setattr(step, "sleep", sleeps.append)
    return fake_aws_layer(monkeypatch)


def test_the_statements_run_in_order_and_the_load_is_recorded(fake: FakeAws) -> None:
    fake.running_polls = 2

    loaded = load_warehouse(WAREHOUSE, **DETAIL)

    assert fake.statements == warehouse.load_statements(
        "data", keys.processed("2020-06-01", "r1"), WAREHOUSE.warehouse_copy_role_arn, "r1"
    )
    # Each statement polled until it finished (2 x STARTED, then FINISHED), none skipped.
    assert fake.polled == dict.fromkeys(range(len(fake.statements)), 3)
    assert loaded == {"status": "LOADED", "table": "daily", "rows": 3}
    assert fake.runs["r1"]["warehouse"] == loaded
    assert fake.published == []


def test_a_failed_statement_stops_the_load_is_recorded_emailed_and_raised(fake: FakeAws) -> None:
    fake.failing = {3: "S3ServiceException: Access Denied"}

    with pytest.raises(WarehouseLoadFailed, match="COPY FAILED .*Access Denied"):
        load_warehouse(WAREHOUSE, **DETAIL)

    assert len(fake.statements) == 4  # no DELETE, MERGE or DROP after the failed COPY
    recorded = fake.runs["r1"]["warehouse"]
    assert recorded["status"] == "FAILED" and recorded["statements_done"] == 3
    assert "Access Denied" in recorded["error"]
    [(topic, subject, body)] = fake.published
    assert topic == WAREHOUSE.status_topic_arn
    assert subject == "[covid-etl] warehouse load FAILED: run r1"
    assert PARQUET in body and "Access Denied" in body


def test_a_statement_past_the_deadline_fails_the_load(
    fake: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.running_polls = 10**6
    clock = iter(range(0, 10**6, 60))
    monkeypatch.setattr(step, "monotonic", lambda: next(clock))
    with pytest.raises(WarehouseLoadFailed, match="still running at the deadline"):
        load_warehouse(WAREHOUSE, **DETAIL)
    assert fake.runs["r1"]["warehouse"]["status"] == "FAILED"


@pytest.mark.parametrize(
    "parquet",
    ["s3://other-bucket/processed/load_date=2020-06-01/r1.parquet", "s3://data/raw/r1/nyt.csv"],
    ids=["other-bucket", "other-zone"],
)
def test_an_object_outside_the_processed_zone_is_refused_and_reported(
    fake: FakeAws, parquet: str
) -> None:
    with pytest.raises(warehouse.UnsafeLoad):
        load_warehouse(WAREHOUSE, **{**DETAIL, "parquet": parquet})
    assert fake.statements == []
    assert fake.runs["r1"]["warehouse"]["status"] == "FAILED"
    assert len(fake.published) == 1


def test_the_schema_is_the_run_completed_detail() -> None:
    assert SCHEMA["required"] == ["run_id", "parquet"]
    assert set(SCHEMA["properties"]) == set(DETAIL)


def test_the_handler_refuses_an_event_that_is_not_a_run_completed_detail(fake: FakeAws) -> None:
    with pytest.raises(InvalidEvent, match="^load_warehouse: "):
        handler({"detail-type": "RunCompleted", "detail": DETAIL}, None)
    assert fake.statements == []
