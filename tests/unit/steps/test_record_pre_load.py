"""RecordPreLoad (covid_etl/steps/record_pre_load.py) against the in-memory AWS layer."""

from __future__ import annotations

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.record_pre_load import record_pre_load


def source(extracted: int, rejected: int, out_of_scope: int) -> dict[str, int]:
    return {"extracted": extracted, "rejected": rejected, "out_of_scope": out_of_scope}


def test_the_counts_so_far_are_summed_over_the_sources_into_the_run_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    sources = {"nyt": source(10, 1, 0), "jhu": source(9, 2, 300)}
    transform = {"joined": 7, "matched": 14, "dropped_by_join": 2, "outside_window": 0}
    plan = {"new": 3, "revised": 1, "unchanged": 3, "retried": 2, "superseded": 1, "delta": 6}

    assert record_pre_load(SETTINGS, "r1", sources, transform, {"received": 3}, plan) == {}

    run = fake_aws.runs["r1"]
    assert run["sources"] == sources
    counts = run["counts"]
    assert (counts["extracted"], counts["rejected"], counts["out_of_scope"]) == (19, 3, 300)
    assert (counts["matched"], counts["dropped_by_join"], counts["joined"]) == (14, 2, 7)
    assert (counts["retries_received"], counts["retried"], counts["superseded"]) == (3, 2, 1)
    assert (counts["new"], counts["revised"], counts["unchanged"], counts["delta"]) == (3, 1, 3, 6)
