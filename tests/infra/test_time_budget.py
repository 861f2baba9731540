"""Every remote call of a function ends inside the function's timeout, all retries, backoffs
and Retry-After included (docs/aws-review.md), at Terraform's defaults."""

from __future__ import annotations

from typing import Any

import boto3

from covid_etl import aws, extract

from . import tfconfig


def defaults() -> dict[str, Any]:
    variables = tfconfig.load_module(tfconfig.INFRA).variables
    return {name: spec.get("default") for name, spec in variables.items()}


def test_a_download_ends_inside_the_function_timeout() -> None:
    d = defaults()
    worst = extract.worst_case_seconds(
        d["http_timeout_seconds"], d["http_retries"], d["http_backoff_seconds"]
    )
    assert worst == 165 and worst < d["lambda_timeout_seconds"]


def test_the_budget_check_rejects_the_old_download() -> None:
    """20 s to connect, 30 s backoff cap and Retry-After obeyed to the hour: no bound at all."""
    d = defaults()
    old = extract.worst_case_seconds(
        d["http_timeout_seconds"],
        d["http_retries"],
        d["http_backoff_seconds"],
        connect_timeout_seconds=d["http_timeout_seconds"],
        longest_sleep_seconds=3600,
    )
    assert old > d["lambda_timeout_seconds"]


def test_a_long_retry_after_is_capped() -> None:
    class Response:
        def __init__(self) -> None:
            self.headers = {"Retry-After": "3600"}

    assert extract.BoundedRetry(total=1).get_retry_after(Response()) == (
        extract.RETRY_AFTER_MAX_SECONDS
    )


def test_an_aws_call_ends_inside_the_function_timeout() -> None:
    """Standard mode: attempts x (connect + read) + (attempts - 1) backoffs of at most 20 s.
    Read from a client, after botocore has normalised the retry settings."""
    config = aws.SDK_CONFIG
    client = boto3.client("s3", region_name="us-east-1", config=config)
    attempts = client.meta.config.retries["total_max_attempts"]
    worst = attempts * (config.connect_timeout + config.read_timeout) + (attempts - 1) * 20
    assert config.retries["mode"] == "standard"
    assert worst == 145 and worst < defaults()["lambda_timeout_seconds"]


def test_the_sdk_budget_check_sees_botocores_reading_of_max_attempts() -> None:
    """The first version said max_attempts=3, which botocore reads as 3 retries: 4 attempts,
    200 s at worst."""
    old = aws.SDK_CONFIG.merge(aws.Config(retries={"mode": "standard", "max_attempts": 3}))
    client = boto3.client("s3", region_name="us-east-1", config=old)
    assert client.meta.config.retries["total_max_attempts"] == 4
