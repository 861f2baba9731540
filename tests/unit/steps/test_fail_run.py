"""FailRun (covid_etl/steps/fail_run.py) against the in-memory AWS layer."""

from __future__ import annotations

import json

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.fail_run import fail_run


def test_the_error_is_recorded_readably_and_the_runs_lock_released(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.lock_holder = {"run_id": "r1", "since": "2026-11-29T06:00:00Z"}
    fake_aws.runs["r1"] = {"run_id": "r1", "started_at": "2026-11-29T06:00:00+00:00"}
    # A Lambda's Cause is JSON; the readable part is its errorMessage.
    cause = json.dumps({"errorMessage": "source nyt: no data rows", "errorType": "X"})

    result = fail_run(SETTINGS, "r1", {"Error": "SourceUnusable", "Cause": cause})

    assert result == {
        "status": "FAILED",
        "error": "source nyt: no data rows",
        "error_type": "SourceUnusable",
    }
    assert fake_aws.runs["r1"]["status"] == "FAILED"
    assert fake_aws.lock_holder is None


def test_a_run_that_failed_before_taking_the_lock_leaves_anothers_lock_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.lock_holder = {"run_id": "r0", "since": "2026-11-29T05:00:00Z"}

    result = fail_run(SETTINGS, "r1", {"Error": "RunInProgress", "Cause": "run r0 in progress"})

    assert result["error"] == "run r0 in progress"
    assert fake_aws.lock_holder == {"run_id": "r0", "since": "2026-11-29T05:00:00Z"}
    assert fake_aws.runs["r1"]["duration_seconds"] is None  # it never started
