"""The REST API end to end: `etl api` as a real process, driven by a SigV4-signing client
(botocore's SigV4Auth + requests), as awscurl or an SDK would call API Gateway; and its local
gateway in-process, to check the `api` function calls only what its role grants."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from conftest import Pipeline

from covid_etl import aws
from etl_tools.api_server import LocalGateway, local_signers
from etl_tools.permissions import allowed_actions

# The local credentials `etl api` accepts (what the embedded AWS sets).
LOCAL = Credentials("testing", "testing", "testing")
WAIT_SECONDS = 300  # a bound on waiting for the run, not a timing assertion


class Api:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        credentials: Credentials | None = LOCAL,
    ) -> requests.Response:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"content-type": "application/json"} if body is not None else {}
        request = AWSRequest(method=method, url=self.base_url + path, data=data, headers=headers)
        if credentials is not None:
            SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
        return requests.request(
            method, request.url, data=data, headers=dict(request.headers), timeout=60
        )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    state_dir = tmp_path_factory.mktemp("api") / "state"
    server = subprocess.Popen(
        [sys.executable, "-m", "etl_tools.cli", "api", "--port", "0", "--state-dir", state_dir],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = server.stdout.readline() if server.stdout else ""
        assert first_line.startswith("etl api: http://127.0.0.1:"), first_line
        yield Api(first_line.split()[2].rstrip("/"))
    finally:
        server.terminate()
        server.wait(timeout=60)


def finished(api: Api, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = api.call("GET", f"/runs/{run_id}")
        if run.status_code == 200 and run.json()["status"] not in ("RUNNING",):
            return run.json()
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not end within {WAIT_SECONDS} s")


@pytest.fixture(scope="module")
def loaded_run(api: Api) -> dict[str, Any]:
    started = api.call("POST", "/runs")
    assert started.status_code == 202, started.text
    return finished(api, started.json()["run_id"])


def test_post_runs_starts_a_run_that_loads(loaded_run: dict[str, Any]) -> None:
    assert loaded_run["status"] == "SUCCEEDED"
    assert loaded_run["counts"]["inserted"] == 261
    assert loaded_run["trigger"]["trigger"] == "api"
    assert loaded_run["trigger"]["started_by"].startswith("arn:aws:")
    assert "approval_token" not in loaded_run and "pk" not in loaded_run


def test_get_runs_lists_it(api: Api, loaded_run: dict[str, Any]) -> None:
    runs = api.call("GET", "/runs?limit=5&status=SUCCEEDED").json()["runs"]
    assert loaded_run["run_id"] in [run["run_id"] for run in runs]
    assert api.call("GET", "/runs?status=FAILED").json()["runs"] == []


def test_get_data_pages_through_the_loaded_records(api: Api, loaded_run: dict[str, Any]) -> None:
    records, pages = [], 0
    query = "/data?from=2020-01-01&to=2020-12-31&limit=100"
    next_day: str | None = "2020-01-01"
    while next_day:
        page = api.call("GET", f"{query}&next={next_day}")
        assert page.status_code == 200, page.text
        records += page.json()["records"]
        next_day = page.json().get("next")
        pages += 1
    assert pages == 4  # 366 days of 2020, 100 a page
    assert len(records) == loaded_run["counts"]["inserted"]
    days = [record["date"] for record in records]
    assert days == sorted(set(days))
    assert set(records[0]) == {"date", "cases", "deaths", "recovered"}


def test_an_unsigned_request_gets_403(api: Api) -> None:
    response = api.call("GET", "/runs", credentials=None)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_request_signed_with_a_wrong_secret_gets_403(api: Api) -> None:
    response = api.call("POST", "/runs", credentials=Credentials("testing", "wrong", "testing"))
    assert response.status_code == 403
    assert "signature" in response.json()["message"]


def test_a_bad_request_gets_400_with_a_clear_message(api: Api) -> None:
    response = api.call("POST", "/runs", {"from": "2020-06-01", "to": "2020-05-01"})
    assert response.status_code == 400
    assert response.json() == {"message": "empty window: from 2020-06-01 is after to 2020-05-01"}


def test_an_unknown_route_gets_404(api: Api) -> None:
    assert api.call("DELETE", "/runs").status_code == 404


def test_every_call_of_the_api_function_is_granted(pipeline: Pipeline) -> None:
    """Least privilege in practice: each route (the approvals on a paused run record whose task
    token Step Functions no longer knows: 409) through the local gateway, in-process, on an
    account with no run (the calls a route makes do not depend on what the tables hold: the
    loaded data is the `etl api` process's, above)."""
    stack = pipeline.stack
    aws.put_run(
        stack.settings.runs_table,
        {"run_id": "run-paused", "status": "AWAITING_APPROVAL", "approval_token": "gone"},
    )
    gateway = LocalGateway(stack, local_signers())
    calls = stack.bridge.calls
    calls.clear()
    base = "http://127.0.0.1:1"
    answers = {}
    for method, path in [
        ("GET", "/runs"),
        ("GET", "/runs/run-paused"),
        ("GET", "/data?from=2020-03-01&to=2020-03-31"),
        ("POST", "/runs/run-paused/approve"),
        ("POST", "/runs/run-paused/reject"),
    ]:
        request = AWSRequest(method=method, url=base + path, data=b"")
        SigV4Auth(LOCAL, "execute-api", "us-east-1").add_auth(request)
        headers = {name.lower(): value for name, value in request.headers.items()}
        headers["host"] = "127.0.0.1:1"
        status, _, _ = gateway.handle(method, base + path, headers, b"")
        answers[f"{method} {path}"] = status
    assert answers == {
        "GET /runs": 200,
        "GET /runs/run-paused": 200,
        "GET /data?from=2020-03-01&to=2020-03-31": 200,
        "POST /runs/run-paused/approve": 409,
        "POST /runs/run-paused/reject": 409,
    }
    assert set(calls) == {"api"}
    assert calls["api"] <= allowed_actions("api"), sorted(calls["api"] - allowed_actions("api"))
    assert {"states:SendTaskSuccess", "states:SendTaskFailure"} <= calls["api"]
