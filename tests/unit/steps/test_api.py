"""The `api` function's routes on a fake AWS: approvals answer the task token the run waits on
(the approval gate's interface), refused requests are clear 4xx answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fake_aws import SETTINGS

from covid_etl import api as routes
from covid_etl import aws
from covid_etl.records import DailyRecord
from covid_etl.steps.api import api

OPERATOR = "arn:aws:iam::123456789012:user/operator"


@dataclass
class FakeApiAws:
    """The calls the routes make: run records, executions started, task tokens answered."""

    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    table: dict[date, DailyRecord] = field(default_factory=dict)
    started: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answered: list[tuple[str, Any]] = field(default_factory=list)
    expired_tokens: set[str] = field(default_factory=set)
    TaskTokenInvalid = aws.TaskTokenInvalid

    def get_run(self, table: str, run_id: str) -> dict[str, Any] | None:
        return self.runs.get(run_id)

    def scan_runs(self, table: str) -> list[dict[str, Any]]:
        return list(self.runs.values())

    def start_execution(self, arn: str, name: str, execution_input: dict[str, Any]) -> bool:
        self.started.append((name, execution_input))
        return True

    def batch_get_records(self, table: str, keys: list[tuple[date]]) -> dict[tuple, DailyRecord]:
        return {key: self.table[key[0]] for key in keys if key[0] in self.table}

    def send_task_success(self, token: str, output: dict[str, Any]) -> None:
        self._answer(token, ("success", output))

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        self._answer(token, ("failure", error, cause))

    def _answer(self, token: str, answer: tuple) -> None:
        if token in self.expired_tokens:
            raise aws.TaskTokenInvalid("TaskTimedOut")
        self.answered.append((token, answer))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeApiAws:
    fake = FakeApiAws()
    monkeypatch.setattr(routes, "aws", fake)
    return fake


def paused(run_id: str = "run-1") -> dict[str, Any]:
    return {
        "pk": f"RUN#{run_id}",
        "run_id": run_id,
        "status": "AWAITING_APPROVAL",
        "started_at": "2026-11-29T10:00:00Z",
        "approval_token": "token-1",
        "approval_reason": "revises 12 % of history",
        "approval_counts": {"revised": 31},
        "approval_plan_hash": "abc",
    }


def call(
    route_key: str,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
    caller: str | None = OPERATOR,
) -> tuple[int, dict[str, Any]]:
    event: dict[str, Any] = {
        "routeKey": route_key,
        "requestContext": {"authorizer": {"iam": {"userArn": caller}}} if caller else {},
    }
    for name, value in (("pathParameters", path), ("queryStringParameters", query)):
        if value is not None:
            event[name] = value
    if body is not None:
        event["body"] = body
    response = api(SETTINGS, event)
    assert response["headers"]["content-type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])


# --- approve / reject: the approval gate's interface ------------------------------------------


def test_approve_answers_the_token_with_the_caller(fake: FakeApiAws) -> None:
    fake.runs["run-1"] = paused()
    status, body = call("POST /runs/{id}/approve", {"id": "run-1"})
    assert (status, body) == (200, {"run_id": "run-1", "decision": "approved", "by": OPERATOR})
    assert fake.answered == [("token-1", ("success", {"approved": True, "approved_by": OPERATOR}))]


def test_reject_fails_the_token_as_rejected_by_the_caller(fake: FakeApiAws) -> None:
    fake.runs["run-1"] = paused()
    status, body = call("POST /runs/{id}/reject", {"id": "run-1"})
    assert (status, body["decision"]) == (200, "rejected")
    assert fake.answered == [("token-1", ("failure", "Rejected", f"rejected by {OPERATOR}"))]


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_run_not_awaiting_approval_is_409(fake: FakeApiAws, decision: str) -> None:
    fake.runs["run-1"] = {**paused(), "status": "SUCCEEDED"}
    status, body = call(f"POST /runs/{{id}}/{decision}", {"id": "run-1"})
    assert status == 409
    assert body == {"message": "run run-1 is SUCCEEDED, not AWAITING_APPROVAL"}
    assert fake.answered == []


def test_an_answer_step_functions_no_longer_waits_for_is_409(fake: FakeApiAws) -> None:
    fake.runs["run-1"] = paused()
    fake.expired_tokens.add("token-1")
    status, body = call("POST /runs/{id}/approve", {"id": "run-1"})
    assert status == 409
    assert "no longer awaits approval" in body["message"]


def test_approving_an_unknown_run_is_404(fake: FakeApiAws) -> None:
    assert call("POST /runs/{id}/approve", {"id": "nope"}) == (404, {"message": "no run 'nope'"})


def test_a_run_is_shown_without_its_task_token(fake: FakeApiAws) -> None:
    fake.runs["run-1"] = paused()
    status, body = call("GET /runs/{id}", {"id": "run-1"})
    assert status == 200
    assert body["approval_reason"] == "revises 12 % of history"
    assert "approval_token" not in body and "pk" not in body
    runs = call("GET /runs", query={"status": "AWAITING_APPROVAL"})[1]["runs"]
    assert [run["run_id"] for run in runs] == ["run-1"]
    assert "approval_token" not in runs[0]


# --- POST /runs -----------------------------------------------------------------------------------


def test_post_runs_starts_an_api_run_with_its_window_and_caller(fake: FakeApiAws) -> None:
    status, body = call("POST /runs", body='{"from": "2020-03-01", "to": "2020-03-31"}')
    assert status == 202
    [(name, execution_input)] = fake.started
    assert body == {"run_id": name, "trigger": "api", "window": execution_input["window"]}
    assert execution_input == {
        "trigger": "api",
        "started_by": OPERATOR,
        "window": {"from": "2020-03-01", "to": "2020-03-31"},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the body is not JSON"),
        ("[1]", "the body must be a JSON object"),
        ('{"from": "2020-02-30"}', "from is not a date (YYYY-MM-DD): '2020-02-30'"),
        ('{"since": "2020-01-01"}', "unknown field(s) since: expected from, to"),
        (
            '{"from": "2020-04-01", "to": "2020-03-01"}',
            "empty window: from 2020-04-01 is after to 2020-03-01",
        ),
    ],
)
def test_a_bad_window_is_400_and_starts_nothing(fake: FakeApiAws, body: str, message: str) -> None:
    assert call("POST /runs", body=body) == (400, {"message": message})
    assert fake.started == []


# --- GET /data, GET /runs, routing ------------------------------------------------------------------


def test_get_data_pages_by_days_in_date_order(fake: FakeApiAws) -> None:
    for day in (1, 2, 5):
        fake.table[date(2020, 3, day)] = DailyRecord(date(2020, 3, day), day, 0, 0)
    query = {"from": "2020-03-01", "to": "2020-03-05", "limit": "2"}
    first = call("GET /data", query=query)[1]
    assert [r["date"] for r in first["records"]] == ["2020-03-01", "2020-03-02"]
    second = call("GET /data", query={**query, "next": first["next"]})[1]
    assert second == {"records": [], "next": "2020-03-05"}
    last = call("GET /data", query={**query, "next": second["next"]})[1]
    assert last == {"records": [{"date": "2020-03-05", "cases": 5, "deaths": 0, "recovered": 0}]}


@pytest.mark.parametrize(
    ("route_key", "query", "message"),
    [
        ("GET /data", {"to": "2020-03-01"}, "from is required (YYYY-MM-DD)"),
        ("GET /data", {"from": "2020-03-02", "to": "2020-03-01"}, "empty window"),
        ("GET /data", {"from": "2020-03-01", "to": "2020-03-09", "limit": "0"}, "limit must be"),
        ("GET /data", {"from": "2020-03-01", "to": "2020-03-09", "next": "2021-01-01"}, "outside"),
        ("GET /runs", {"limit": "-1"}, "limit must be a whole number from 1 to 1000"),
        ("GET /runs", {"status": "DONE"}, "status must be one of"),
    ],
)
def test_bad_queries_are_400(
    fake: FakeApiAws, route_key: str, query: dict[str, str], message: str
) -> None:
    status, body = call(route_key, query=query)
    assert status == 400 and message in body["message"], body


def test_an_unknown_route_is_404(fake: FakeApiAws) -> None:
    assert call("DELETE /runs")[0] == 404


def test_a_request_without_an_iam_identity_is_403(fake: FakeApiAws) -> None:
    assert call("GET /runs", caller=None)[0] == 403
