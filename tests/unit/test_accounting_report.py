"""The accounting invariants and the status email."""

from __future__ import annotations

import pytest

from covid_etl.accounting import InvariantBroken, check_invariants, invariant_violations
from covid_etl.report import email

GOOD = {
    "extracted": 1081,
    "rejected": 0,
    "dropped_by_join": 559,
    "matched": 522,
    "joined": 261,
    "retried": 2,
    "inserted": 200,
    "updated": 3,
    "unchanged": 58,
    "queued": 2,
}


def test_counts_that_add_up_pass() -> None:
    assert invariant_violations(GOOD) == []
    check_invariants(GOOD)


@pytest.mark.parametrize("field", ["extracted", "rejected", "inserted", "queued", "retried"])
def test_one_lost_row_breaks_an_invariant(field: str) -> None:
    broken = GOOD | {field: GOOD[field] + 1}
    with pytest.raises(InvariantBroken):
        check_invariants(broken)


def test_email_of_a_success_has_the_counts_and_the_dlq() -> None:
    run = {"run_id": "r1", "status": "SUCCEEDED", "counts": GOOD, "duration_seconds": 2.5}
    subject, body = email(run, data_bucket="b", dlq_depth=1, dashboard_url="https://x/d")
    assert subject == "[covid-etl] SUCCEEDED: run r1 (200 inserted, 3 updated, 2 queued)"
    assert "extracted 1081 = rejected 0 + dropped by join 559 + matched 522" in body
    assert "accounting: OK" in body
    assert "Dead-letter queue: 1 record(s)" in body and "redrive" in body
    assert "Duration:  2.5 s" in body and "Dashboard: https://x/d" in body


def test_email_of_a_failure_names_the_error() -> None:
    run = {"run_id": "r2", "status": "FAILED", "error": "source nyt: HTTP 500", "error_type": "E"}
    subject, body = email(run, data_bucket="b", dlq_depth=0, dashboard_url=None)
    assert subject == "[covid-etl] FAILED: run r2"
    assert "Error (E):\n  source nyt: HTTP 500" in body


def test_email_lists_rejects_with_their_location() -> None:
    source = {
        "extracted": 3,
        "rejected": 1,
        "rejects_key": "rejects/r3/nyt.csv",
        "reject_samples": ["line 2: missing cases"],
        "http_status": 200,
        "url": "u",
    }
    run = {"run_id": "r3", "status": "SUCCEEDED", "sources": {"nyt": source}}
    _, body = email(run, data_bucket="bucket", dlq_depth=0, dashboard_url=None)
    assert "s3://bucket/rejects/r3/nyt.csv" in body and "- line 2: missing cases" in body


def test_a_value_with_line_breaks_cannot_forge_lines_of_the_email() -> None:
    forged = "evil.csv\nStatus:    SUCCEEDED\r\nDashboard: https://phish"
    source = {
        "extracted": 1,
        "rejected": 0,
        "http_status": 200,
        "url": f"s3://b/landing/nyt/{forged}",
    }
    run = {
        "run_id": "r4\nx",
        "status": "FAILED",
        "error": f"source nyt: no such uploaded object ({forged})",
        "sources": {"nyt": source},
    }
    subject, body = email(run, data_bucket="b", dlq_depth=0, dashboard_url=None)
    lines = body.splitlines()
    assert [line for line in lines if line.startswith(("Status:", "Dashboard:"))] == [
        "Status:    FAILED"
    ]
    assert "landing/nyt/evil.csv\\nStatus:    SUCCEEDED\\r\\nDashboard: https://phish" in body
    assert subject == "[covid-etl] FAILED: run r4\\nx" and len(lines) == len(body.split("\n")) - 1
