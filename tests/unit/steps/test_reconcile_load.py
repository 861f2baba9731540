"""ReconcileLoad (covid_etl/steps/reconcile_load.py) against the in-memory AWS layer."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

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
