"""Notify (covid_etl/steps/notify.py) against the in-memory AWS layer."""

from __future__ import annotations

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl.steps.notify import notify


def test_the_status_email_carries_the_counts_the_dlq_depth_and_the_dashboard_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    fake_aws.runs["r1"] = {
        "run_id": "r1",
        "status": "SUCCEEDED",
        "counts": {"inserted": 3, "updated": 1, "queued": 0},
    }
    fake_aws.dlq_depth = 2

    result = notify(SETTINGS, "r1")

    ((topic, subject, body),) = fake_aws.published
    assert topic == SETTINGS.status_topic_arn
    assert (
        subject
        == result["subject"]
        == "[covid-etl] SUCCEEDED: run r1 (3 inserted, 1 updated, 0 queued)"
    )
    assert "X-Amz-Expires=3600" in body  # the presigned dashboard link
    assert "Dead-letter queue: 2 record(s)" in body


def test_a_run_that_failed_before_its_record_still_gets_an_email(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_aws = fake_aws_layer(monkeypatch)
    notify(SETTINGS, "r1")
    ((_, subject, body),) = fake_aws.published
    assert subject == "[covid-etl] FAILED: run r1"
    assert "no run record (failed at start)" in body
