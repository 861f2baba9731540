"""FinishRun (covid_etl/steps/finish_run.py) against the in-memory AWS layer."""

from __future__ import annotations

from typing import Any

import pytest
from fake_aws import SETTINGS, FakeAws, fake_aws_layer

from covid_etl.steps.finish_run import finish_run

# Before the load: 10 rows extracted, 1 rejected, 1 dropped by the join, 8 matched (4 days).
PRE_LOAD = {
    "extracted": 10,
    "rejected": 1,
    "dropped_by_join": 1,
    "matched": 8,
    "joined": 4,
    "retried": 0,
    "unchanged": 1,
}


def running(fake_aws: FakeAws) -> None:
    fake_aws.lock_holder = {"run_id": "r1", "since": "2026-11-29T06:00:00Z"}
    fake_aws.runs["r1"] = {
        "run_id": "r1",
        "status": "RUNNING",
        "started_at": "2026-11-29T06:00:00+00:00",
        "counts": PRE_LOAD,
    }


def state(inserted: int, updated: int, queued: int, **more: Any) -> dict[str, Any]:
    return {
        "run": {"run_id": "r1"},
        "reconcile": {"inserted": inserted, "updated": updated},
        "queue": {"queued": queued},
        **more,
    }


def test_a_run_whose_every_record_is_accounted_for_succeeds_and_frees_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    running(fake_aws)

    result = finish_run(SETTINGS, state(inserted=2, updated=0, queued=1))

    assert result == {"status": "SUCCEEDED", "error": "", "error_type": ""}
    run = fake_aws.runs["r1"]
    assert run["status"] == "SUCCEEDED" and run["duration_seconds"] > 0
    assert (run["counts"]["inserted"], run["counts"]["queued"]) == (2, 1)
    assert fake_aws.lock_holder is None


def test_a_record_unaccounted_for_fails_the_run_with_the_broken_invariant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    running(fake_aws)

    result = finish_run(SETTINGS, state(inserted=2, updated=0, queued=0))

    assert result["status"] == "FAILED" and result["error_type"] == "InvariantBroken"
    assert "joined 4 + retried 0 (= 4) != inserted 2" in result["error"]
    assert fake_aws.runs["r1"]["status"] == "FAILED"
    assert fake_aws.lock_holder is None


def test_a_failed_load_job_fails_the_run_naming_the_queued_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    running(fake_aws)
    check = {"succeeded": False, "job_run_id": "jr_1", "state": "FAILED", "error": "boom"}

    result = finish_run(SETTINGS, state(inserted=0, updated=0, queued=3, check=check))

    assert result["error_type"] == "LoadJobFailed"
    assert result["error"] == "load job jr_1 ended FAILED: boom; 3 record(s) queued for retry"
