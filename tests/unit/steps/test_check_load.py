"""CheckLoad (covid_etl/steps/check_load.py) against the in-memory AWS layer."""

from __future__ import annotations

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.check_load import check_load


@pytest.mark.parametrize(
    ("job_run", "succeeded"),
    [
        ({"JobRunState": "SUCCEEDED", "ExecutionTime": 42}, True),
        ({"JobRunState": "FAILED", "ErrorMessage": "boom"}, False),
        ({"JobRunState": "TIMEOUT"}, False),
    ],
)
def test_only_a_succeeded_job_run_counts_and_its_outcome_is_recorded(
    monkeypatch: pytest.MonkeyPatch, job_run: dict, succeeded: bool
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)

    outcome = check_load(SETTINGS, "r1", "jr_1", job_run)

    assert outcome["succeeded"] is succeeded
    recorded = fake_aws.runs["r1"]["load_job"]
    assert recorded == {
        "job_run_id": "jr_1",
        "state": job_run["JobRunState"],
        "error": job_run.get("ErrorMessage"),
        "execution_seconds": job_run.get("ExecutionTime"),
    }
