"""Benchmark 5: cost model. Dollars per run and per month, from a local run's execution history.

Inputs, all measured: the state transitions (states entered in the execution history), each
Lambda invocation's duration (scheduled to succeeded in the history) plus its init (the
handler's import time from the cold-start benchmark: a daily function always starts cold, and
Lambda bills INIT for zip functions on managed runtimes since 2025-08-01), the Glue job's
seconds, and the requests the pipeline made (DynamoDB writes, S3, SQS, SNS) counted by the
writes benchmark's hook.

The seed design (11 Lambdas chained by Step Functions and a Spark Glue job on 2 x G.1X that
reloads the whole joined file every day) is priced with the same model: its code is not in this
repository, so its 11 Lambdas are given this pipeline's median invocation (duration, init,
memory) and its Spark job the 1-minute minimum: a lower bound.

Not priced (each well under a hundredth of a cent per run here): DynamoDB reads and storage,
S3 storage, CloudWatch Logs and metrics, the EventBridge schedule (free for Scheduler's first
14 million invocations a month). Free tiers are not subtracted: list prices, as if they were
used up by other workloads.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.writes import RunMeasure
from covid_etl.contract import FUNCTIONS
from etl_tools.local.runner import local_names

# AWS list prices, us-east-1, as published on the AWS pricing pages (checked 2026-11-22).
PRICES_CHECKED = "2026-11-22"
STEP_FUNCTIONS_PER_TRANSITION = 0.025 / 1_000  # standard workflows
LAMBDA_PER_GB_SECOND = 0.0000166667  # x86_64, first pricing tier
LAMBDA_PER_REQUEST = 0.20 / 1_000_000
GLUE_PER_DPU_HOUR = 0.44  # Python shell and Spark ETL jobs alike
GLUE_MINIMUM_SECONDS = 60  # per run: Python shell, and Spark on Glue 2.0 and later
GLUE_PYTHON_SHELL_DPU = 0.0625  # this pipeline's load job (infra/modules/glue: max_capacity)
SEED_SPARK_DPU = 2 * 1.0  # 2 workers of G.1X, 1 DPU each
DYNAMODB_PER_WRITE_UNIT = 0.625 / 1_000_000  # on-demand, since the 2024-11-01 price cut
S3_PER_PUT_CLASS = 0.005 / 1_000  # PUT, COPY, POST, LIST
S3_PER_GET_CLASS = 0.0004 / 1_000  # GET, HEAD and the rest
SQS_PER_REQUEST = 0.40 / 1_000_000  # standard queues
SNS_PER_PUBLISH = 0.50 / 1_000_000
SNS_PER_EMAIL = 2.00 / 100_000  # one status email per run, one subscriber
RUNS_PER_MONTH = 30
SEED_FUNCTIONS = 11
SEED_STATES = SEED_FUNCTIONS + 1  # each Lambda task and the Glue task

S3_PUT_CLASS = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2"}


@dataclass(frozen=True)
class Invocation:
    function: str
    milliseconds: float


def _time(event: dict[str, Any]) -> datetime:
    stamp = event["timestamp"]
    return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))


def invocations(history: list[dict[str, Any]]) -> list[Invocation]:
    """Each Lambda invocation of an execution: its function and its duration."""
    by_id = {event["id"]: event for event in history}
    function_of = {local_names().function(f): f for f in FUNCTIONS}
    found = []
    for event in history:
        if event["type"] not in ("LambdaFunctionSucceeded", "LambdaFunctionFailed"):
            continue
        scheduled = by_id[by_id[event["previousEventId"]]["previousEventId"]]
        resource = scheduled["lambdaFunctionScheduledEventDetails"]["resource"]
        seconds = (_time(event) - _time(scheduled)).total_seconds()
        found.append(Invocation(function_of[resource.split(":function:")[1]], seconds * 1000))
    return found


def glue_seconds(history: list[dict[str, Any]]) -> float:
    """From the load job's start request to the poll that saw it end (0 when skipped)."""
    glue = [
        event
        for event in history
        if event["type"] in ("TaskScheduled", "TaskSucceeded")
        and "glue"
        in next(v for k, v in event.items() if k.endswith("EventDetails"))["resourceType"]
    ]
    if not glue:
        return 0.0
    return (_time(glue[-1]) - _time(glue[0])).total_seconds()


def transitions(history: list[dict[str, Any]]) -> int:
    return sum(1 for event in history if event["type"].endswith("StateEntered"))


def lambda_dollars(milliseconds: float, memory_mb: int) -> float:
    return math.ceil(milliseconds) / 1000 * memory_mb / 1024 * LAMBDA_PER_GB_SECOND


def glue_dollars(seconds: float, dpu: float) -> float:
    if seconds <= 0:
        return 0.0
    return max(GLUE_MINIMUM_SECONDS, seconds) / 3600 * dpu * GLUE_PER_DPU_HOUR


def run_cost(measure: RunMeasure, init_ms: dict[str, float], memory_mb: int) -> dict[str, Any]:
    """One execution of this pipeline, priced item by item."""
    history = measure.history
    calls = measure.requests.requests
    invoked = invocations(history)
    billed_ms = [i.milliseconds + init_ms[i.function] for i in invoked]
    job_seconds = glue_seconds(history)
    s3_put = sum(n for (service, op), n in calls.items() if service == "s3" and op in S3_PUT_CLASS)
    s3_get = sum(n for (service, op), n in calls.items() if service == "s3") - s3_put
    write_units = sum(measure.requests.write_items.values())
    dollars = {
        "step_functions": transitions(history) * STEP_FUNCTIONS_PER_TRANSITION,
        "lambda": sum(lambda_dollars(ms, memory_mb) for ms in billed_ms)
        + len(invoked) * LAMBDA_PER_REQUEST,
        "glue": glue_dollars(job_seconds, GLUE_PYTHON_SHELL_DPU),
        "dynamodb_writes": write_units * DYNAMODB_PER_WRITE_UNIT,
        "s3_requests": s3_put * S3_PER_PUT_CLASS + s3_get * S3_PER_GET_CLASS,
        "sqs_sns": sum(n for (service, _), n in calls.items() if service == "sqs") * SQS_PER_REQUEST
        + calls[("sns", "Publish")] * (SNS_PER_PUBLISH + SNS_PER_EMAIL),
    }
    return {
        "scenario": measure.scenario,
        "state_transitions": transitions(history),
        "lambda_invocations": len(invoked),
        "lambda_billed_ms": sum(billed_ms),
        "lambda_init_ms": sum(init_ms[i.function] for i in invoked),
        "lambda_memory_mb": memory_mb,
        "glue_job_seconds": job_seconds,
        "glue_billed_dpu_seconds": max(GLUE_MINIMUM_SECONDS, job_seconds) * GLUE_PYTHON_SHELL_DPU
        if job_seconds
        else 0.0,
        "dynamodb_write_units": write_units,
        "s3_requests": {"put_class": s3_put, "get_class": s3_get},
        "dollars": dollars,
        "dollars_per_run": sum(dollars.values()),
        "dollars_per_month": sum(dollars.values()) * RUNS_PER_MONTH,
    }


def seed_cost(daily: dict[str, Any], measure: RunMeasure, init_ms: dict[str, float]) -> dict:
    """The seed design on the same day, with this pipeline's median Lambda invocation."""
    invoked = invocations(measure.history)
    median_ms = statistics.median(i.milliseconds + init_ms[i.function] for i in invoked)
    memory_mb = daily["lambda_memory_mb"]
    write_units = measure.counts["joined"]  # it reloads every joined row, every day
    dollars = {
        "step_functions": SEED_STATES * STEP_FUNCTIONS_PER_TRANSITION,
        "lambda": SEED_FUNCTIONS * (lambda_dollars(median_ms, memory_mb) + LAMBDA_PER_REQUEST),
        "glue": glue_dollars(GLUE_MINIMUM_SECONDS, SEED_SPARK_DPU),
        "dynamodb_writes": write_units * DYNAMODB_PER_WRITE_UNIT,
    }
    return {
        "state_transitions": SEED_STATES,
        "lambda_invocations": SEED_FUNCTIONS,
        "lambda_billed_ms": SEED_FUNCTIONS * median_ms,
        "glue_billed_dpu_seconds": GLUE_MINIMUM_SECONDS * SEED_SPARK_DPU,
        "dynamodb_write_units": write_units,
        "dollars": dollars,
        "dollars_per_run": sum(dollars.values()),
        "dollars_per_month": sum(dollars.values()) * RUNS_PER_MONTH,
    }


def run(measures: list[RunMeasure], init_ms: dict[str, float], memory_mb: int) -> dict[str, Any]:
    """Price the daily run (one more day), the quiet day (nothing changed) and the seed design."""
    by_name = {m.scenario: m for m in measures}
    daily_measure, quiet_measure = by_name["one more day"], by_name["unchanged re-run"]
    daily = run_cost(daily_measure, init_ms, memory_mb)
    quiet = run_cost(quiet_measure, init_ms, memory_mb)
    seed = seed_cost(daily, daily_measure, init_ms)
    return {
        "prices_checked": PRICES_CHECKED,
        "region": "us-east-1",
        "runs_per_month": RUNS_PER_MONTH,
        "daily_run": daily,
        "quiet_day": quiet,
        "seed": seed,
        "seed_over_daily": seed["dollars_per_run"] / daily["dollars_per_run"],
    }
