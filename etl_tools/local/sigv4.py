"""What API Gateway does before an AWS_IAM route runs, done locally: verify the SigV4 signature.

On AWS, API Gateway checks the signature of every request to an IAM-authorised route and
answers 403 itself when it is missing or wrong; the function then sees the caller's identity in
``requestContext.authorizer.iam``. moto has no such gateway, so ``etl api`` verifies here: it
recomputes the signature with botocore's own SigV4 signer from the headers the client signed
and the local credentials' secret key, and compares. This is the only SigV4 verification code.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
# API Gateway refuses a signature dated more than 5 minutes from its clock ("Signature expired").
CLOCK_SKEW = timedelta(minutes=5)
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class Forbidden(Exception):
    """The request is not signed by a known key, or not validly: API Gateway's 403."""


@dataclass(frozen=True)
class Signer:
    """An IAM identity that may call the API: its access key, secret, session token, ARN."""

    credentials: Credentials
    arn: str


def verify(
    signers: dict[str, Signer],
    region: str,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime | None = None,
) -> Signer:
    """The signer of a request (``headers`` with lower-case names), or Forbidden saying why."""
    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    if not match:
        raise Forbidden("Missing Authentication Token")
    signer = signers.get(match["key"])
    if signer is None:
        raise Forbidden("The security token included in the request is invalid.")
    if (match["service"], match["region"]) != (SERVICE, region):
        raise Forbidden(f"Credential should be scoped to {region}/{SERVICE}")
    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise Forbidden("X-Amz-Date is missing or not YYYYMMDDTHHMMSSZ") from None
    if abs((now or datetime.now(UTC)) - signed_at) > CLOCK_SKEW or stamp[:8] != match["day"]:
        raise Forbidden("Signature expired or not yet valid")
    signed = match["signed"].split(";")
    if "host" not in signed or (signer.credentials.token and "x-amz-security-token" not in signed):
        raise Forbidden("the host (and a session token) must be signed")
    if signer.credentials.token and headers.get("x-amz-security-token") != signer.credentials.token:
        raise Forbidden("The security token included in the request is invalid.")
    request = AWSRequest(
        method=method, url=url, headers={name: headers.get(name, "") for name in signed}, data=body
    )
    request.context["timestamp"] = stamp
    auth = SigV4Auth(signer.credentials, SERVICE, region)
    expected = auth.signature(
        auth.string_to_sign(request, auth.canonical_request(request)), request
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise Forbidden(
            "The request signature we calculated does not match the signature you provided."
        )
    return signer
