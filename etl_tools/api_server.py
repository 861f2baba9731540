"""``etl api``: the REST API on 127.0.0.1, served as API Gateway serves it, on the embedded AWS.

A request is matched against the real routing table (covid_etl.api.ROUTES: an unknown route is
404, as API Gateway answers), its SigV4 signature verified (etl_tools/local/sigv4.py: unsigned or
badly signed is 403), then turned into an HTTP API payload-2.0 event and given to the `api`
Lambda function, which the moto bridge runs in-process. A run it starts is followed to its end
in the background, and the state dir is saved when it ends, as `etl run` saves it.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
from botocore.credentials import Credentials

from covid_etl.api import ROUTES
from etl_tools.command import add_command, add_port_argument
from etl_tools.local.runner import (
    LOCAL_CREDENTIALS,
    LocalStack,
    embedded_aws,
    follow_run,
    logs_to,
)
from etl_tools.local.sigv4 import Forbidden, Signer, verify
from etl_tools.local.sources_server import SourcesServer

DEFAULT_PORT = 8766
STAGE = "$default"
LOCAL_CREDENTIAL_PARTS = ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "api",
        cmd_api,
        help="serve the REST API on 127.0.0.1 (SigV4-signed requests, the local credentials)",
        description="Serve the REST API (POST/GET /runs, GET /runs/ID, POST /runs/ID/approve|"
        "reject, GET /data) on 127.0.0.1 against the embedded AWS: requests must be signed with "
        "SigV4 (service execute-api) with the local credentials. Ctrl-C stops it.",
    )
    add_port_argument(parser, DEFAULT_PORT)


def route_of(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The route key and path parameters of a request, as API Gateway matches them."""
    for key in ROUTES:
        route_method, template = key.split(" ", 1)
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        match = re.fullmatch(pattern, path)
        if route_method == method and match:
            return key, match.groupdict()
    return None


def gateway_event(
    route_key: str,
    path_parameters: dict[str, str],
    url: str,
    headers: dict[str, str],
    body: bytes,
    signer: Signer,
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event API Gateway sends for an IAM-authorised route."""
    parts = urlsplit(url)
    method, _ = route_key.split(" ", 1)
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": signer.arn.split(":")[4],
            "apiId": "local",
            "authorizer": {
                "iam": {
                    "accessKey": signer.credentials.access_key,
                    "accountId": signer.arn.split(":")[4],
                    "userArn": signer.arn,
                }
            },
            "domainName": parts.netloc,
            "http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1"},
            "routeKey": route_key,
            "stage": STAGE,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if parts.query:
        event["queryStringParameters"] = dict(parse_qsl(parts.query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = body.decode("utf-8", errors="replace")
    return event


class LocalGateway:
    """The routes, the signers, the `api` function, and the runs it started, followed."""

    def __init__(self, stack: LocalStack, signers: dict[str, Signer]):
        self.stack = stack
        self.signers = signers
        self.running: set[str] = set()
        self._lock = threading.Lock()  # one request or one save of the state at a time

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        route = route_of(method, urlsplit(url).path)
        if route is None:
            return _message(404, "Not Found")
        try:
            signer = verify(self.signers, self.stack.names.region, method, url, headers, body)
        except Forbidden as refused:
            return _message(403, str(refused))
        event = gateway_event(*route, url, headers, body, signer)
        with self._lock:
            answer = boto3.client("lambda").invoke(
                FunctionName=self.stack.names.function("api"), Payload=json.dumps(event).encode()
            )
        if answer.get("FunctionError"):
            return _message(500, "Internal Server Error")
        response = json.loads(answer["Payload"].read())
        self._follow_new_runs()
        return (
            response["statusCode"],
            response.get("headers", {}),
            response.get("body", "").encode(),
        )

    def _follow_new_runs(self) -> None:
        sfn = boto3.client("stepfunctions")
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.stack.state_machine_arn, statusFilter="RUNNING"
        )
        for execution in (e for page in pages for e in page["executions"]):
            if execution["name"] not in self.running:
                self.running.add(execution["name"])
                threading.Thread(
                    target=self._follow, args=(execution["name"],), daemon=True
                ).start()

    def _follow(self, run_id: str) -> None:
        follow_run(self.stack, run_id)
        with self._lock:
            self.stack.commit()
            self.running.discard(run_id)


def _message(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        url = f"http://{headers.get('host', '')}{self.path}"
        status, response_headers, answer = self.server.gateway.handle(
            self.command, url, headers, body
        )
        self.send_response(status)
        for name, value in response_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        print(f"etl api: {self.address_string()} {format % args}", file=sys.stderr, flush=True)


class _Server(ThreadingHTTPServer):
    gateway: LocalGateway


def local_signers() -> dict[str, Signer]:
    """The local credentials (those the embedded AWS sets), as the IAM identity STS names."""
    key = Credentials(*(LOCAL_CREDENTIALS[f"AWS_{part}"] for part in LOCAL_CREDENTIAL_PARTS))
    sts = boto3.client(
        "sts",
        aws_access_key_id=key.access_key,
        aws_secret_access_key=key.secret_key,
        aws_session_token=key.token,
    )
    return {key.access_key: Signer(key, sts.get_caller_identity()["Arn"])}


def cmd_api(args: argparse.Namespace) -> int:
    with (
        SourcesServer() as sources,
        embedded_aws(args.state_dir, source_urls=sources.urls) as stack,
        logs_to(args.state_dir / "logs" / f"api-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"),
    ):
        try:
            server = _Server(("127.0.0.1", args.port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            print(f"error: port {args.port} is in use; pick another with --port", file=sys.stderr)
            return 1
        server.gateway = gateway = LocalGateway(stack, local_signers())
        with server:
            signer = next(iter(gateway.signers.values()))
            print(
                f"etl api: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop); "
                f"sign with SigV4, service execute-api, region {stack.names.region}, "
                f"access key {signer.credentials.access_key} ({signer.arn})",
                flush=True,
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                # Each finished run is saved already; one still going is not (a half run).
                if gateway.running:
                    raise
    return 0
