"""The local gateway's SigV4 check (etl_tools/local/sigv4.py) against botocore's own signer:
what it accepts, and each way a request is refused with 403 as API Gateway refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from etl_tools.local.sigv4 import Forbidden, Signer, verify

KEY = Credentials("AKIDLOCAL", "secret", "session")
SIGNERS = {"AKIDLOCAL": Signer(KEY, "arn:aws:iam::123456789012:user/operator")}
URL = "http://127.0.0.1:8766/runs?status=SUCCEEDED&limit=5"
BODY = b'{"from": "2020-03-01"}'


def signed(
    credentials: Credentials = KEY,
    service: str = "execute-api",
    region: str = "us-east-1",
    url: str = URL,
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=BODY)
    SigV4Auth(credentials, service, region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return {"host": "127.0.0.1:8766", **headers}


def check(headers: dict[str, str], body: bytes = BODY, **kwargs: datetime) -> Signer:
    return verify(SIGNERS, "us-east-1", "POST", URL, headers, body, **kwargs)


def test_a_request_botocore_signed_is_its_signer() -> None:
    assert check(signed()).arn == "arn:aws:iam::123456789012:user/operator"


@pytest.mark.parametrize(
    ("signing", "body", "message"),
    [
        (None, BODY, "Missing Authentication Token"),
        ({"credentials": Credentials("AKIDOTHER", "secret", "session")}, BODY, "token included"),
        (
            {"credentials": Credentials("AKIDLOCAL", "wrong", "session")},
            BODY,
            "signature we calculated",
        ),
        ({"credentials": Credentials("AKIDLOCAL", "secret", "other")}, BODY, "token included"),
        ({"service": "s3"}, BODY, "scoped to us-east-1/execute-api"),
        ({"region": "eu-west-1"}, BODY, "scoped to us-east-1/execute-api"),
        ({}, b'{"from": "2020-03-02"}', "signature we calculated"),
        ({"url": URL.replace("limit=5", "limit=6")}, BODY, "signature we calculated"),
    ],
    ids=[
        "unsigned",
        "unknown-key",
        "wrong-secret",
        "wrong-token",
        "other-service",
        "other-region",
        "body-changed",
        "query-changed",
    ],
)
def test_a_request_not_validly_signed_is_forbidden(
    signing: dict[str, Any] | None, body: bytes, message: str
) -> None:
    """Signed here, not when the parameters are collected: a suite slower than the signature's
    five minutes refused them all as expired."""
    headers = {} if signing is None else signed(**signing)
    with pytest.raises(Forbidden, match=message):
        check(headers, body)


def test_a_signature_older_than_five_minutes_is_forbidden() -> None:
    headers = signed()
    later = datetime.now(UTC) + timedelta(minutes=6)
    with pytest.raises(Forbidden, match="Signature expired"):
        check(headers, now=later)
