"""StartRun (covid_etl/steps/start_run.py) against the in-memory AWS layer."""

from __future__ import annotations

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.steps.start_run import InvalidInput, RunInProgress, start_run

STARTED = "2026-11-29T06:00:00+00:00"


def test_a_run_takes_the_lock_records_itself_and_resolves_its_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    upload = {"nyt": "s3://data/landing/nyt/us.csv"}
    trigger = {"as_of": "2021-03-01", "sources": upload, "window": {"from": "2021-02-01"}}

    state = start_run(SETTINGS, "r1", STARTED, trigger)

    assert fake_aws.lock_holder == {"run_id": "r1", "since": "2026-11-29T06:00:00Z"}
    assert fake_aws.runs["r1"]["status"] == "RUNNING"
    assert fake_aws.runs["r1"]["run_date"] == "2021-03-01"
    # An uploaded file replaces its source; the other keeps the configured URL.
    assert state["sources"] == {"nyt": upload["nyt"], "jhu": SETTINGS.jhu_url}
    assert state["window"] == {"from": "2021-02-01"}


def test_a_run_that_meets_another_runs_lock_touches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.lock_holder = {"run_id": "r0", "since": "2026-11-29T05:00:00Z"}

    with pytest.raises(RunInProgress, match="run r0 in progress since 2026-11-29T05:00:00Z"):
        start_run(SETTINGS, "r1", STARTED, {})

    assert fake_aws.runs == {}


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ({"window": {"from": "2021-03-02", "to": "2021-03-01"}}, "empty window"),
        ({"window": {"to": "March"}}, "window dates must be YYYY-MM-DD"),
        ({"as_of": "yesterday"}, "as_of must be YYYY-MM-DD"),
    ],
)
def test_an_unusable_trigger_is_refused(
    monkeypatch: pytest.MonkeyPatch, trigger: dict, message: str
) -> None:
    fake_aws_layer(monkeypatch)
    with pytest.raises(InvalidInput, match=message):
        start_run(SETTINGS, "r1", STARTED, trigger)


def test_a_county_run_names_its_dataset_and_only_its_own_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    state = start_run(SETTINGS, "r1", STARTED, {"dataset": "us-counties"})
    assert state["dataset"] == fake_aws.runs["r1"]["dataset"] == "us-counties"
    # No jhu: the state machine's Jhu branch skips a source the run does not list.
    assert state["sources"] == {"nyt": DATASETS[US_COUNTIES].urls["nyt"]}
    fake_aws.lock_holder = None
    assert start_run(SETTINGS, "r2", STARTED, {})["dataset"] == "us"


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ({"dataset": "states"}, r"unknown dataset 'states' \(known: us, us-counties\)"),
        (
            {"dataset": "us-counties", "sources": {"jhu": "https://example.org/jhu.csv"}},
            r"dataset us-counties has no source jhu \(its sources: nyt\)",
        ),
        ({"dataset": "us-counties", "rebuild": True}, "a rebuild covers the default dataset"),
    ],
)
def test_an_unknown_dataset_or_a_source_it_lacks_is_refused_before_the_lock(
    monkeypatch: pytest.MonkeyPatch, trigger: dict, message: str
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    with pytest.raises(InvalidInput, match=message):
        start_run(SETTINGS, "r1", STARTED, trigger)
    assert fake_aws.lock_holder is None and fake_aws.runs == {}
