"""PlanLoad (covid_etl/steps/plan_load.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.approval import plan_hash
from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.records import NEW, REVISED, DailyRecord, read_csv, to_csv
from covid_etl.steps.plan_load import plan_load

D1, D2, D3, D4 = (date(2020, 3, day) for day in (1, 2, 3, 4))


def test_the_delta_holds_new_and_revised_days_and_the_retries_still_current(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.SNAPSHOT)] = to_csv(
        [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0), DailyRecord(D4, 4, 0, 0)]
    )
    staged = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 5, 0, 0), DailyRecord(D3, 3, 0, 0)]
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv(staged)
    retries = [
        # Still the day's value in the snapshot: written again, with the kind it first had.
        {"record": DailyRecord(D4, 4, 0, 0).as_row(), "kind": NEW},
        # Replaced by a later value since it was queued: dropped.
        {"record": DailyRecord(D1, 9, 0, 0).as_row(), "kind": REVISED},
    ]
    fake_aws.objects[("data", keys.retries("r1"))] = json.dumps(retries).encode()

    plan = plan_load(SETTINGS, "r1", "2020-03-05")

    assert {k: plan[k] for k in ("new", "revised", "unchanged", "retried", "superseded")} == {
        "new": 1,
        "revised": 1,
        "unchanged": 1,
        "retried": 1,
        "superseded": 1,
    }
    delta = read_csv(fake_aws.objects[("data", plan["delta_key"])])
    assert [(r["date"], r["cases"], r["kind"], r["origin"]) for r in delta] == [
        ("2020-03-02", "5", "revised", "today"),
        ("2020-03-03", "3", "new", "today"),
        ("2020-03-04", "4", "new", "retry"),
    ]
    assert plan["delta"] == 3
    assert plan["processed_key"] == keys.processed("2020-03-05", "r1")


def test_without_a_snapshot_every_day_is_new(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv([DailyRecord(D1, 1, 0, 0)])
    plan = plan_load(SETTINGS, "r1", "2020-03-05")
    assert (plan["new"], plan["delta"]) == (1, 1)


def test_a_county_plan_diffs_against_the_county_snapshot_by_date_and_fips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    county = spec.record
    king, autauga = (
        county(D1, "53033", "King", "Washington", 10, 1),
        county(D1, "01001", "Autauga", "Alabama", 1, 0),
    )
    # The national snapshot is another file: a county plan never reads it.
    fake_aws.objects[("data", keys.SNAPSHOT)] = to_csv([DailyRecord(D1, 1, 0, 0)])
    fake_aws.objects[("data", keys.snapshot("counties"))] = to_csv([autauga, king], spec=spec)
    staged = [autauga, county(D1, "53033", "King", "Washington", 12, 1),
              county(D2, "53033", "King", "Washington", 15, 1)]  # fmt: skip
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv(staged, spec=spec)

    plan = plan_load(SETTINGS, "r1", "2020-03-05", dataset="us-counties")

    assert (plan["new"], plan["revised"], plan["unchanged"]) == (1, 1, 1)
    assert plan["processed_key"] == "processed/counties/load_date=2020-03-05/r1.parquet"
    delta = read_csv(fake_aws.objects[("data", plan["delta_key"])])
    assert [(r["date"], r["fips"], r["cases"], r["kind"], r["before_cases"]) for r in delta] == [
        ("2020-03-01", "53033", "12", "revised", "10"),
        ("2020-03-02", "53033", "15", "new", ""),
    ]
    assert plan["top_revisions"] == [
        {
            "date": "2020-03-01",
            "fips": "53033",
            "before": {"cases": 10, "deaths": 1},
            "after": {"cases": 12, "deaths": 1},
        }
    ]


def test_a_county_delta_holds_each_date_and_fips_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB refuses a BatchWriteItem (and a BatchGetItem) whose keys repeat ("Provided list
    of item keys contains duplicates"): a county queued twice, and changed today, is one row."""
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    known = spec.record(D1, "53033", "King", "Washington", 10, 1)
    fake_aws.objects[("data", keys.snapshot("counties"))] = to_csv([known], spec=spec)
    today = spec.record(D1, "53033", "King", "Washington", 12, 1)
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv([today], spec=spec)
    retries = [{"record": known.as_row(), "kind": NEW}, {"record": known.as_row(), "kind": NEW}]
    fake_aws.objects[("data", keys.retries("r1"))] = json.dumps(retries).encode()

    plan = plan_load(SETTINGS, "r1", "2020-03-05", dataset="us-counties")

    delta = read_csv(fake_aws.objects[("data", plan["delta_key"])])
    assert [(r["fips"], r["cases"], r["origin"]) for r in delta] == [("53033", "12", "today")]
    assert (plan["superseded"], plan["retried"]) == (2, 0)


def test_the_delta_is_written_as_the_staged_file_streams_and_hashed_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The staged file and the snapshot are read as they stream (never get_object whole), the delta
    # written as its changes are found; the plan_hash the approval pins is still its bytes'.
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    rows = [spec.record(D1, f"{fips:05d}", "C", "S", fips, 0) for fips in range(1, 2_001)]
    fake_aws.objects[("data", keys.snapshot("counties"))] = to_csv(rows[:-1], spec=spec)
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv(rows, spec=spec)
    monkeypatch.setattr(fake_aws, "get_object", lambda bucket, key: None)  # no whole reads

    plan = plan_load(SETTINGS, "r1", "2020-03-05", dataset="us-counties")

    delta = fake_aws.objects[("data", plan["delta_key"])]
    assert (plan["new"], plan["unchanged"], plan["delta"]) == (1, 1_999, 1)
    assert delta.decode().splitlines()[1].startswith("2020-03-01,02000,C,S,2000,0,new,today")
    assert plan["plan_hash"] == plan_hash(delta)
