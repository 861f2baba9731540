"""CommitSnapshot (covid_etl/steps/commit_snapshot.py) against the in-memory AWS layer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys
from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.records import RETRY, DailyRecord, records_from_csv, to_csv
from covid_etl.steps.commit_snapshot import commit_snapshot

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)


def test_the_snapshot_advances_for_every_day_of_the_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.SNAPSHOT)] = to_csv([DailyRecord(D1, 1, 0, 0)])
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv(
        [DailyRecord(D1, 5, 0, 0), DailyRecord(D2, 2, 0, 0)],
        {"origin": ["today", "today"], "outcome": ["loaded", "failed"]},
    )

    assert commit_snapshot(SETTINGS, "r1") == {"days": 2}
    assert records_from_csv(fake_aws.objects[("data", keys.SNAPSHOT)]) == [
        DailyRecord(D1, 5, 0, 0),
        DailyRecord(D2, 2, 0, 0),
    ]


def test_a_county_run_advances_its_own_snapshot_by_date_and_fips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    spec = DATASETS[US_COUNTIES]
    county = spec.record
    known = [county(D1, "53033", "King", "Washington", 10, 1)]
    fake_aws.objects[("data", keys.snapshot("counties"))] = to_csv(known, spec=spec)
    outcome = [
        county(D1, "01001", "Autauga", "Alabama", 1, 0),
        county(D1, "Washington/Unknown", "Unknown", "Washington", 3, 0),
    ]
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv(
        outcome, {"origin": ["today", "today"], "outcome": ["loaded", "failed"]}, spec
    )

    assert commit_snapshot(SETTINGS, "r1", "us-counties") == {"days": 3}
    snapshot = fake_aws.objects[("data", "snapshot/counties.csv")]
    assert [r.fips for r in records_from_csv(snapshot, spec)] == [
        "01001",
        "53033",
        "Washington/Unknown",
    ]
    assert ("data", keys.SNAPSHOT) not in fake_aws.objects  # the national one untouched


def test_a_first_load_is_streamed_with_the_retries_after_todays_merged_in_key_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The outcome follows the delta: today's rows sorted, then the retries sorted. Neither the
    # outcome nor the snapshot is read whole.
    fake_aws = fake_aws_layer(monkeypatch)
    today = [DailyRecord(D1 + timedelta(days=2 * n), n, 0, 0) for n in range(3000)]
    retried = [DailyRecord(D2, 7, 0, 0), DailyRecord(D2 + timedelta(days=100), 8, 0, 0)]
    extra = {"origin": ["today"] * len(today) + [RETRY] * 2, "outcome": ["loaded"] * 3002}
    fake_aws.objects[("data", keys.outcome("r1"))] = to_csv(today + retried, extra)
    fake_aws.objects[("data", keys.SNAPSHOT)] = to_csv([])
    fake_aws.streamed_only |= {("data", keys.outcome("r1")), ("data", keys.SNAPSHOT)}

    assert commit_snapshot(SETTINGS, "r1") == {"days": 3002}
    written = records_from_csv(fake_aws.objects[("data", keys.SNAPSHOT)])
    assert written == sorted(today + retried)
