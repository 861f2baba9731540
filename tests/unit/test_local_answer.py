"""The input of the execution that carries a local answer (etl_tools/approval.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from etl_tools.approval import answer_input

ASKED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PAUSED = {
    "run_id": "run-1",
    "status": "AWAITING_APPROVAL",
    "trigger": {"as_of": "2020-06-01", "approval": {"plan_hash": "0" * 64, "approved_by": "x"}},
    "approval_plan_hash": "a" * 64,
    "approval_requested_at": "2026-11-29T12:00:00Z",
    "approval_timeout_seconds": 3600,
}


def test_an_approval_replays_the_runs_input_with_the_plan_it_approves() -> None:
    assert answer_input(PAUSED, True, "local:alice", ASKED + timedelta(minutes=5)) == {
        "as_of": "2020-06-01",
        "approval": {"plan_hash": "a" * 64, "approved_by": "local:alice"},
    }


def test_a_rejection_names_who_rejected() -> None:
    assert answer_input(PAUSED, False, "local:bob", ASKED) == {
        "rejection": {"Error": "Rejected", "Cause": "rejected by local:bob"}
    }


def test_an_answer_after_the_approval_time_is_the_timeout_s() -> None:
    late = ASKED + timedelta(seconds=3601)
    for approve in (True, False):
        assert answer_input(PAUSED, approve, "local:alice", late) == {
            "rejection": {"Error": "States.Timeout", "Cause": ""}
        }
