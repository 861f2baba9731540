"""The REST API's routes (API Gateway HTTP API, payload format 2.0): one routing table.

``ROUTES`` maps each route key ("METHOD /path/{param}", as API Gateway names it in the event's
``routeKey``) to a plain function of the request. Terraform creates one route per key
(infra/modules/api, checked equal by tests/infra/test_api.py), every one IAM-authorised, and
``etl api`` serves the same table locally (etl_tools/api_server.py). The Lambda handler around it
is covid_etl/steps/api.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from covid_etl import aws
from covid_etl.settings import Settings
from covid_etl.triggers import new_run_id

API_TRIGGER = "api"
AWAITING_APPROVAL = "AWAITING_APPROVAL"
# What start_run, finish_run and the approval gate record.
RUN_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", AWAITING_APPROVAL, "REJECTED")
# Never shown: the task token lets its holder answer the approval without IAM on the API.
PRIVATE_RUN_FIELDS = ("pk", "approval_token")
DEFAULT_RUNS = 50
MAX_RUNS = 1000
DEFAULT_DAYS_PER_PAGE = 100
MAX_DAYS_PER_PAGE = 366


class ApiError(Exception):
    """A request the API refuses: its status code and a message for the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    caller: str  # the IAM identity (ARN) that signed the request
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


# --- Runs -------------------------------------------------------------------------------------


def start_run(settings: Settings, request: Request) -> Response:
    window = _window(_json_object(request.body))
    run_id = new_run_id()
    execution_input: dict[str, Any] = {"trigger": API_TRIGGER, "started_by": request.caller}
    if window:
        execution_input["window"] = window
    if not aws.start_execution(settings.state_machine_arn, run_id, execution_input):
        raise ApiError(409, f"run {run_id} exists already: try again")
    return Response(
        202,
        {"run_id": run_id, "trigger": API_TRIGGER, "window": window},
        {"location": f"/runs/{run_id}"},
    )


def list_runs(settings: Settings, request: Request) -> Response:
    limit = _whole_number(request.query, "limit", DEFAULT_RUNS, MAX_RUNS)
    status = request.query.get("status")
    if status is not None and status not in RUN_STATUSES:
        raise ApiError(400, f"status must be one of {', '.join(RUN_STATUSES)}, got {status!r}")
    runs = sorted(
        aws.scan_runs(settings.runs_table), key=lambda r: r.get("started_at", ""), reverse=True
    )
    shown = [_public(r) for r in runs if status in (None, r.get("status"))][:limit]
    return Response(200, {"runs": shown})


def get_run(settings: Settings, request: Request) -> Response:
    return Response(200, _public(_run(settings, request.path["id"])))


def approve_run(settings: Settings, request: Request) -> Response:
    run = _awaiting_approval(settings, request.path["id"])
    _answer(run, aws.send_task_success, {"approved": True, "approved_by": request.caller})
    return Response(200, {"run_id": run["run_id"], "decision": "approved", "by": request.caller})


def reject_run(settings: Settings, request: Request) -> Response:
    run = _awaiting_approval(settings, request.path["id"])
    _answer(run, aws.send_task_failure, "Rejected", f"rejected by {request.caller}")
    return Response(200, {"run_id": run["run_id"], "decision": "rejected", "by": request.caller})


def _run(settings: Settings, run_id: str) -> dict[str, Any]:
    run = aws.get_run(settings.runs_table, run_id)
    if run is None:
        raise ApiError(404, f"no run {run_id!r}")
    return run


def _awaiting_approval(settings: Settings, run_id: str) -> dict[str, Any]:
    run = _run(settings, run_id)
    if run.get("status") != AWAITING_APPROVAL or not run.get("approval_token"):
        raise ApiError(409, f"run {run_id} is {run.get('status')}, not {AWAITING_APPROVAL}")
    return run


def _answer(run: dict[str, Any], send: Callable[..., None], *args: Any) -> None:
    try:
        send(run["approval_token"], *args)
    except aws.TaskTokenInvalid as exc:
        raise ApiError(
            409, f"run {run['run_id']} no longer awaits approval (answered or timed out: {exc})"
        ) from None


def _public(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k not in PRIVATE_RUN_FIELDS}


# --- Loaded data -----------------------------------------------------------------------------


def get_data(settings: Settings, request: Request) -> Response:
    """The loaded records of from..to, a page of at most ``limit`` days at a time, by date.

    ``next`` is the first day of the next page (absent on the last one): pass it back as
    ``next=`` to read on.
    """
    start, end = (_day(request.query, name) for name in ("from", "to"))
    if start > end:
        raise ApiError(400, f"empty window: from {start} is after to {end}")
    days = _whole_number(request.query, "limit", DEFAULT_DAYS_PER_PAGE, MAX_DAYS_PER_PAGE)
    first = _day(request.query, "next") if "next" in request.query else start
    if not start <= first <= end:
        raise ApiError(400, f"next {first} is outside from {start} .. to {end}")
    last = min(first + timedelta(days=days - 1), end)
    page = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = aws.batch_get_records(settings.daily_table, [(d,) for d in page])
    records = [{**asdict(found[(d,)]), "date": d.isoformat()} for d in page if (d,) in found]
    body: dict[str, Any] = {"records": records}
    if last < end:
        body["next"] = (last + timedelta(days=1)).isoformat()
    return Response(200, body)


# --- Request validation ----------------------------------------------------------------------


def _json_object(body: str) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the body must be a JSON object")
    return value


def _window(body: dict[str, Any]) -> dict[str, str]:
    """The optional backfill window {"from", "to"} of POST /runs, checked as start_run would."""
    unknown = sorted(set(body) - {"from", "to"})
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)}: expected from, to")
    bounds = {name: _day(body, name) for name in ("from", "to") if name in body}
    if "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
        raise ApiError(400, f"empty window: from {bounds['from']} is after to {bounds['to']}")
    return {name: day.isoformat() for name, day in bounds.items()}


def _day(values: dict[str, Any], name: str) -> date:
    if name not in values:
        raise ApiError(400, f"{name} is required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(str(values[name]))
    except ValueError:
        raise ApiError(400, f"{name} is not a date (YYYY-MM-DD): {values[name]!r}") from None


def _whole_number(values: dict[str, str], name: str, default: int, most: int) -> int:
    text = values.get(name)
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise ApiError(400, f"{name} must be a whole number from 1 to {most}, got {text!r}")
    return int(text)


Route = Callable[[Settings, Request], Response]

# The routing table: route key -> function. Only GET routes read; the read-only policy
# (infra/modules/api) allows exactly them.
ROUTES: dict[str, Route] = {
    "POST /runs": start_run,
    "GET /runs": list_runs,
    "GET /runs/{id}": get_run,
    "POST /runs/{id}/approve": approve_run,
    "POST /runs/{id}/reject": reject_run,
    "GET /data": get_data,
}
