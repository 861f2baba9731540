"""TransformSources (covid_etl/steps/transform_sources.py) against the in-memory AWS layer."""

from __future__ import annotations

from datetime import date

import pytest
from fake_aws import SETTINGS, FakeAws, fake_aws_layer

from covid_etl import keys
from covid_etl.datasets import dataset
from covid_etl.records import in_window, join, read_csv, to_csv
from covid_etl.sources import validate
from covid_etl.steps.transform_sources import transform_sources


def stage_sources(fake_aws: FakeAws) -> None:
    fake_aws.objects[("data", keys.valid("r1", "nyt"))] = (
        b"date,cases,deaths\n2020-03-01,10,1\n2020-03-02,12,2\n2020-03-03,15,3\n"
    )
    fake_aws.objects[("data", keys.valid("r1", "jhu"))] = (
        b"date,recovered\n2020-03-02,4\n2020-03-03,5\n2020-03-04,6\n"
    )


def test_the_sources_are_joined_on_date_and_the_unmatched_days_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    stage_sources(fake_aws)

    counts = transform_sources(SETTINGS, "r1", {})

    assert counts == {
        "joined": 2,
        "matched": 4,
        "outside_window": 0,
        "dropped_by_join": 2,
        "nyt_only": 1,
        "jhu_only": 1,
    }
    daily = read_csv(fake_aws.objects[("data", keys.daily("r1"))])
    assert [(r["date"], r["cases"], r["recovered"]) for r in daily] == [
        ("2020-03-02", "12", "4"),
        ("2020-03-03", "15", "5"),
    ]


def test_a_backfill_keeps_its_window_only(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    stage_sources(fake_aws)

    counts = transform_sources(SETTINGS, "r1", {"from": "2020-03-03"})

    assert (counts["joined"], counts["outside_window"]) == (1, 1)
    daily = read_csv(fake_aws.objects[("data", keys.daily("r1"))])
    assert [r["date"] for r in daily] == ["2020-03-03"]


def test_a_dataset_of_one_source_stages_its_rows_in_its_columns_keyed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.objects[("data", keys.valid("r1", "nyt"))] = (
        b"date,county,state,fips,cases,deaths\n"
        b"2020-03-01,King,Washington,53033,10,1\n"
        b"2020-03-01,Unknown,Washington,,3,0\n"
    )

    counts = transform_sources(SETTINGS, "r1", {}, "us-counties")

    assert counts == {
        "joined": 2,
        "matched": 2,
        "outside_window": 0,
        "dropped_by_join": 0,
        "nyt_only": 0,
    }
    assert fake_aws.objects[("data", keys.daily("r1"))].decode() == (
        "date,fips,county,state,cases,deaths\n"
        "2020-03-01,53033,King,Washington,10,1\n"
        "2020-03-01,Washington/Unknown,Unknown,Washington,3,0\n"
    )


def test_a_one_source_dataset_is_staged_as_it_streams_as_the_join_would_stage_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One source is staged row by row as its validated file streams (no join, no list): the
    # same file as join() + to_csv() of all its rows would write, a backfill window applied.
    fake_aws = fake_aws_layer(monkeypatch)
    counties = [("Autauga", "Alabama", "01001"), ("King", "Washington", "53033")]
    counties.append(("Unknown", "Washington", ""))
    valid = "date,county,state,fips,cases,deaths\n" + "".join(
        f"2020-03-{day:02d},{county},{state},{fips},{day * 10 + i},{i}\n"
        for day in range(1, 6)
        for i, (county, state, fips) in enumerate(counties)
    )
    fake_aws.objects[("data", keys.valid("r1", "nyt"))] = valid.encode()
    spec = dataset("us-counties")
    rows = validate("nyt", valid.encode(), run_date=date(2020, 3, 9), spec=spec.sources["nyt"])
    window = {"from": "2020-03-02", "to": "2020-03-04"}

    counts = transform_sources(SETTINGS, "r1", window, "us-counties")

    joined = in_window(join(spec, {"nyt": rows.rows}).records, date(2020, 3, 2), date(2020, 3, 4))
    assert fake_aws.objects[("data", keys.daily("r1"))] == to_csv(joined, spec=spec)
    assert (counts["joined"], counts["matched"], counts["outside_window"]) == (9, 15, 6)
