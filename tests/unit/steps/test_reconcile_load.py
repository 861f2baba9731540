"""ReconcileLoad (covid_etl/steps/reconcile_load.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer, first_load

from covid_etl import keys
from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.records import NEW, REVISED, DailyRecord, read_csv, to_csv
from covid_etl.steps.reconcile_load import reconcile_load

D1, D2, D3 = date(2020, 3, 1), date(2020, 3, 2), date(2020, 3, 3)


def test_reconcile_reads_the_table_back_and_writes_each_rows_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    delta = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0), DailyRecord(D3, 3, 0, 0)]
    extra = {"kind": [NEW, REVISED, NEW], "origin": ["today"] * 3}
    fake_aws.objects[("data", "delta.csv")] = to_csv(delta, extra)
    fake_aws.objects[("data", "failures.csv")] = b"date,error\n2020-03-03,throttled\n"
    fake_aws.table = {D1: delta[0], D2: delta[1]}

    counts = reconcile_load(SETTINGS, "r1", "delta.csv", "failures.csv")

    assert counts == {"inserted": 1, "updated": 1, "failed": 1}
    outcome = read_csv(fake_aws.objects[("data", keys.outcome("r1"))])
    assert [(r["date"], r["outcome"], r["reason"]) for r in outcome] == [
        ("2020-03-01", "loaded", ""),
        ("2020-03-02", "loaded", ""),
        ("2020-03-03", "failed", "throttled"),
    ]


def test_a_county_delta_is_read_back_by_date_and_fips(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    king, unknown = (
        spec.record(D1, "53033", "King", "Washington", 10, 1),
        spec.record(D1, "Washington/Unknown", "Unknown", "Washington", 3, 0),
    )
    extra = {"kind": [NEW, NEW], "origin": ["today"] * 2, "before_cases": ["", ""]}
    fake_aws.objects[("data", "delta.csv")] = to_csv([king, unknown], extra, spec)
    failures = "date,fips,county,state,cases,deaths,error\n"
    failures += "2020-03-01,Washington/Unknown,Unknown,Washington,3,0,throttled\n"
    fake_aws.objects[("data", "failures.csv")] = failures.encode()
    fake_aws.counties = {king.key: king}

    counts = reconcile_load(SETTINGS, "r1", "delta.csv", "failures.csv", "us-counties")

    assert counts == {"inserted": 1, "updated": 0, "failed": 1}
    outcome = read_csv(fake_aws.objects[("data", keys.outcome("r1"))])
    assert [(r["fips"], r["outcome"], r["reason"]) for r in outcome] == [
        ("53033", "loaded", ""),
        ("Washington/Unknown", "failed", "throttled"),
    ]
    [change] = json.loads(fake_aws.objects[("data", keys.changes("r1"))])
    assert change == {
        "date": "2020-03-01",
        "fips": "53033",
        "change": "new",
        "before": None,
        "after": {"county": "King", "state": "Washington", "cases": 10, "deaths": 1},
    }


def test_a_county_first_load_is_read_back_a_batch_at_a_time_and_streamed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2,500 new counties of one day, the last one failed: neither the delta nor the failures
    # is read whole, the table is asked a batch of keys at a time.
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    counties = first_load(2500, D1)
    extra = {"kind": [NEW] * 2500, "origin": ["today"] * 2500, "before_cases": [""] * 2500}
    fake_aws.objects[("data", "delta.csv")] = to_csv(counties, extra, spec)
    fake_aws.objects[("data", "failures.csv")] = to_csv(
        counties[-1:], {"error": ["throttled"]}, spec
    )
    fake_aws.streamed_only |= {("data", "delta.csv"), ("data", "failures.csv")}
    fake_aws.counties = {c.key: c for c in counties[:-1]}
    asked: list[int] = []
    batch_get = fake_aws.batch_get_records

    def counted(table: str, keys: list[tuple], spec: object) -> dict:
        asked.append(len(keys))
        return batch_get(table, keys, spec)  # type: ignore[arg-type]

    monkeypatch.setattr(fake_aws, "batch_get_records", counted)

    counts = reconcile_load(SETTINGS, "r1", "delta.csv", "failures.csv", "us-counties")

    assert counts == {"inserted": 2499, "updated": 0, "failed": 1}
    assert asked == [1000, 1000, 500]
    outcome = read_csv(fake_aws.objects[("data", keys.outcome("r1"))])
    assert len(outcome) == 2500 and outcome[-1]["reason"] == "throttled"
    changes = json.loads(fake_aws.objects[("data", keys.changes("r1"))])
    assert [c["fips"] for c in changes] == [c.fips for c in counties[:-1]]


def test_nothing_loaded_writes_an_empty_changes_array(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", "delta.csv")] = to_csv(
        [DailyRecord(D1, 1, 0, 0)], {"kind": [NEW], "origin": ["today"]}
    )
    fake_aws.objects[("data", "failures.csv")] = b"date,error\n2020-03-01,throttled\n"

    assert reconcile_load(SETTINGS, "r1", "delta.csv", "failures.csv")["failed"] == 1
    assert json.loads(fake_aws.objects[("data", keys.changes("r1"))]) == []
