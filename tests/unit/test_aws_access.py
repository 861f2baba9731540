"""covid_etl.aws against AWS's rules: errors the state machine retries, links that open."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from moto import mock_aws

from covid_etl import aws
from covid_etl.handler import lambda_handler, schema


def client_error(code: str, status: int) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "PutItem")


@pytest.mark.parametrize(
    "exc",
    [
        client_error("ThrottlingException", 400),
        client_error("ProvisionedThroughputExceededException", 400),
        client_error("SlowDown", 503),
        client_error("InternalServerError", 500),
        client_error("", 502),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
    ],
)
def test_throttling_5xx_and_lost_connections_are_transient(exc: Exception) -> None:
    assert isinstance(aws.transient(exc), aws.TransientAwsError)


@pytest.mark.parametrize(
    "exc",
    [
        client_error("AccessDeniedException", 400),
        client_error("ConditionalCheckFailedException", 400),
        client_error("ResourceNotFoundException", 400),
        ValueError("not AWS"),
    ],
)
def test_errors_a_retry_cannot_fix_stay_as_they_are(exc: Exception) -> None:
    assert aws.transient(exc) is None


def _handler_raising(exc: Exception):
    def step(settings: object) -> dict:
        raise exc

    return lambda_handler(schema({}), step)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_BUCKET", "DAILY_TABLE", "RUNS_TABLE", "RETRY_QUEUE_URL", "RETRY_DLQ_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("STATUS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")


def test_the_handler_raises_throttling_as_the_error_every_retry_names(settings_env: None) -> None:
    """Step Functions matches the exception's class name: TransientAwsError, in every Retry."""
    throttled = client_error("ThrottlingException", 400)
    with pytest.raises(aws.TransientAwsError) as raised:
        _handler_raising(throttled)({}, None)
    assert raised.value.__cause__ is throttled


def test_the_handler_leaves_other_errors_alone(settings_env: None) -> None:
    denied = client_error("AccessDeniedException", 400)
    with pytest.raises(ClientError) as raised:
        _handler_raising(denied)({}, None)
    assert raised.value is denied


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset_clients()
        yield boto3.client("s3")
    aws.reset_clients()


def signature_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_the_dashboard_link_is_signed_with_sigv4(s3) -> None:
    """SSE-KMS objects refuse SigV2; botocore presigns with SigV2 in us-east-1 unless told."""
    query = signature_of(aws.presigned_url("bucket", "dashboard/index.html", 3600))
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]


def test_the_sigv4_check_rejects_the_default_client(s3) -> None:
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    assert "X-Amz-Algorithm" not in signature_of(url), "botocore's default is SigV2 here"
