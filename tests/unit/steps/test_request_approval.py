"""RequestApproval (covid_etl/steps/request_approval.py) against the in-memory AWS layer."""

from __future__ import annotations

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.request_approval import request_approval

PLAN = {
    "approval_reason": "revises 6 of 100 loaded days (6.0% > 5.0%)",
    "plan_hash": "ab" * 32,
    "top_revisions": [{"date": "2020-03-01", "before": {"cases": 10}, "after": {"cases": 11}}],
    "new": 0,
    "revised": 6,
    "unchanged": 94,
    "retried": 0,
    "delta": 6,
}


def test_the_paused_run_keeps_the_lock_stores_its_token_and_emails_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.runs["r1"] = {"run_id": "r1", "status": "RUNNING", "started_at": "2026-11-29T10:00Z"}
    fake_aws.lock_holder = {"run_id": "r1", "since": "2026-11-29T10:00Z"}

    request_approval(SETTINGS, "r1", "token-1", PLAN)

    run = fake_aws.runs["r1"]
    assert run["status"] == "AWAITING_APPROVAL"
    assert run["approval_token"] == "token-1"
    assert run["approval_plan_hash"] == PLAN["plan_hash"]
    assert run["approval_counts"] == {
        "new": 0,
        "revised": 6,
        "unchanged": 94,
        "retried": 0,
        "delta": 6,
    }
    assert fake_aws.lock_holder == {"run_id": "r1", "since": "2026-11-29T10:00Z"}
    ((_, subject, body),) = fake_aws.published
    assert "AWAITING_APPROVAL" in subject
    assert "revises 6 of 100 loaded days" in body


def test_a_run_whose_lock_was_taken_over_does_not_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.lock_holder = {"run_id": "other", "since": "2026-11-29T09:00Z"}
    with pytest.raises(fake_aws.LockHeld):
        request_approval(SETTINGS, "r1", "token-1", PLAN)
    assert "r1" not in fake_aws.runs
    assert fake_aws.published == []
