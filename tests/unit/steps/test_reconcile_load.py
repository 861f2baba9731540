"""ReconcileLoad (covid_etl/steps/reconcile_load.py) against the in-memory AWS layer."""

from __future__ import annotations

from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
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
