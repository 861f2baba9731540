"""Api: the REST API behind API Gateway (HTTP API, payload format 2.0)."""

from covid_etl.handler import lambda_handler, schema
from covid_etl.steps.api import api

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

handler = lambda_handler(SCHEMA, api, whole_event=True)
