"""The benchmark's cost model reads an execution history and bills as AWS does (no timings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench import cost, scale
from etl_tools.local.runner import local_names

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(id_: int, previous: int, kind: str, ms: int, **details: object) -> dict:
    return {"id": id_, "previousEventId": previous, "type": kind,
            "timestamp": T0 + timedelta(milliseconds=ms), **details}  # fmt: skip


def lambda_run(first_id: int, function: str, start_ms: int, end_ms: int) -> list[dict]:
    resource = local_names().function_arn(function)
    return [
        event(first_id, 0, "TaskStateEntered", start_ms),
        event(
            first_id + 1,
            first_id,
            "LambdaFunctionScheduled",
            start_ms,
            lambdaFunctionScheduledEventDetails={"resource": resource},
        ),
        event(first_id + 2, first_id + 1, "LambdaFunctionStarted", start_ms),
        event(first_id + 3, first_id + 2, "LambdaFunctionSucceeded", end_ms),
    ]


def glue_task(first_id: int, resource_type: str, start_ms: int, end_ms: int) -> list[dict]:
    details = {"resourceType": resource_type, "resource": "startJobRun"}
    return [
        event(first_id, 0, "TaskStateEntered", start_ms),
        event(first_id + 1, first_id, "TaskScheduled", start_ms, taskScheduledEventDetails=details),
        event(
            first_id + 2, first_id + 1, "TaskSucceeded", end_ms, taskSucceededEventDetails=details
        ),
    ]


HISTORY = [
    *lambda_run(1, "start_run", 0, 40),
    *lambda_run(5, "plan_load", 100, 350),
    *glue_task(9, "glue", 400, 900),
    *glue_task(12, "aws-sdk:glue", 1_000, 1_500),
]


def test_invocations_pair_each_lambda_with_its_function_and_duration() -> None:
    assert cost.invocations(HISTORY) == [
        cost.Invocation("start_run", 40.0),
        cost.Invocation("plan_load", 250.0),
    ]


def test_transitions_and_glue_seconds_come_from_the_history() -> None:
    assert cost.transitions(HISTORY) == 4
    assert cost.glue_seconds(HISTORY) == pytest.approx(1.1)
    assert cost.glue_seconds(HISTORY[:8]) == 0.0


def test_glue_bills_its_one_minute_minimum_and_nothing_when_skipped() -> None:
    one_minute = 60 / 3600 * 0.0625 * 0.44
    assert cost.glue_dollars(1.1, 0.0625) == pytest.approx(one_minute)
    assert cost.glue_dollars(120, 0.0625) == pytest.approx(2 * one_minute)
    assert cost.glue_dollars(0, 0.0625) == 0.0


def test_lambda_bills_memory_times_duration_rounded_up_to_the_millisecond() -> None:
    assert cost.lambda_dollars(999.2, 1024) == pytest.approx(1.0 * 0.0000166667)
    assert cost.lambda_dollars(1000, 256) == pytest.approx(0.25 * 0.0000166667)


def test_lambda_fit_scales_cpu_with_memory_and_says_what_does_not_fit() -> None:
    fit = scale.lambda_fit(seconds=30, peak_mb=2_000, configured_mb=256)
    assert not fit["fits_configured_memory"]
    assert fit["memory_needed_mb"] == 2_048
    assert fit["seconds_at_configured_memory"] == pytest.approx(30 * 1_769 / 256)
    assert fit["seconds_at_needed_memory"] == 30
    assert fit["fits_timeout_at_needed_memory"]
    assert not scale.lambda_fit(seconds=1_000, peak_mb=100, configured_mb=256)[
        "fits_timeout_at_needed_memory"
    ]
