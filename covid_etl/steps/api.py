"""Api: the REST API's Lambda function, behind API Gateway (HTTP API, payload format 2.0).

The event's ``routeKey`` picks the route in covid_etl.api.ROUTES; the caller is the IAM identity
API Gateway verified (``requestContext.authorizer.iam``). A refused request is a 4xx JSON answer
``{"message": ...}``; anything else propagates (API Gateway answers 500, the log has it).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from covid_etl.api import ROUTES, ApiError, Request, Response
from covid_etl.handler import schema
from covid_etl.settings import Settings

# The API Gateway event (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "routeKey": {"type": "string"},
        "requestContext": {"type": "object"},
        "pathParameters": {"type": "object"},
        "queryStringParameters": {"type": "object"},
        "body": {"type": "string"},
        "isBase64Encoded": {"type": "boolean"},
    },
    required=["routeKey", "requestContext"],
)


def api(settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    try:
        route = ROUTES.get(event["routeKey"])
        if route is None:
            raise ApiError(404, f"no route {event['routeKey']!r}")
        response = route(settings, _request(event))
    except ApiError as refused:
        response = Response(refused.status, {"message": str(refused)})
    return {
        "statusCode": response.status,
        "headers": {"content-type": "application/json", **response.headers},
        "body": json.dumps(response.body, sort_keys=True),
    }


def _request(event: dict[str, Any]) -> Request:
    identity = event["requestContext"].get("authorizer", {}).get("iam", {})
    if not identity.get("userArn"):
        # Every route is AWS_IAM-authorised: an event without an identity came another way.
        raise ApiError(403, "no IAM identity in the request")
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    return Request(
        caller=identity["userArn"],
        path=event.get("pathParameters") or {},
        query=event.get("queryStringParameters") or {},
        body=body,
    )
