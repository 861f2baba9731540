"""The approval gate on the real state machine: a large revision pauses the run until an operator
approves (it loads), rejects (nothing written) or nobody answers in time (rejected by timeout).

The `etl` tests: the run pauses and exits 3 (a real process, once), and the answer comes from a
later command, as an operator's would. It reads only the state dir: each command's `main` starts
its own embedded account (the later commands run in this process, conftest.etl_here). The
in-process tests answer the paused execution itself with its task token, as the API does on AWS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from conftest import (
    Pipeline,
    etl,
    etl_here,
    independent_join,
    large_revision,
    revised_nyt,
    saved_runs,
    saved_table,
)

from covid_etl import aws
from etl_tools.api_server import LocalGateway, local_signers
from etl_tools.local.runner import RunResult

AWAITING_APPROVAL = 3
# 20 of the 261 loaded days revised: 7.7 % of the history, over the default 5 %.
REVISED_DAYS = [r.date.isoformat() for r in independent_join()][-40:-20]
REVISED = large_revision()


def run_record(state_dir: Path, run_id: str) -> dict:
    return next(r for r in saved_runs(state_dir) if r["run_id"] == run_id)


def paused_run_id(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == AWAITING_APPROVAL, result.stdout + result.stderr
    line = next(
        l for l in result.stdout.splitlines() if l.endswith("AWAITING_APPROVAL (execution RUNNING)")
    )
    return line.split()[1].rstrip(":")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state dir after a first load of the shipped files (copied by each test)."""
    state_dir = tmp_path_factory.mktemp("baseline") / "state"
    first = etl_here("run", state_dir=state_dir)
    assert first.returncode == 0, first.stderr
    return state_dir


@pytest.fixture
def state(baseline: Path, tmp_path: Path) -> tuple[Path, Path]:
    """This test's copy of the baseline, and the revised NYT file."""
    state_dir = tmp_path / "state"
    shutil.copytree(baseline, state_dir)
    revised = tmp_path / "us.csv"
    revised.write_bytes(REVISED)
    return state_dir, revised


def test_a_large_revision_pauses_holding_the_lock_and_etl_approve_loads_it(
    state: tuple[Path, Path],
) -> None:
    state_dir, revised = state
    before = saved_table(state_dir)

    paused = etl("run", "--source", f"nyt={revised}", state_dir=state_dir)  # a real process
    run_id = paused_run_id(paused)
    assert "awaiting approval: revises 20 of 261 loaded days (7.7% > 5.0%)" in paused.stdout
    assert f"Subject: [covid-etl] AWAITING_APPROVAL: run {run_id}" in paused.stdout
    assert f"{REVISED_DAYS[0]}: cases " in paused.stdout  # the email lists before -> after
    record = run_record(state_dir, run_id)
    assert record["approval_counts"]["revised"] == 20 and len(record["approval_token"]) > 0
    assert saved_table(state_dir) == before  # nothing written while it waits

    blocked = etl_here("run", state_dir=state_dir)  # the paused run holds the lock
    assert blocked.returncode == 1
    assert f"RunInProgress: run {run_id} in progress" in blocked.stderr

    approved = etl_here("approve", run_id, state_dir=state_dir)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert "  StartLoadJob " in approved.stdout and "  RequestApproval " not in approved.stdout
    rows = saved_table(state_dir)
    assert rows == [{k: str(v) for k, v in r.as_row().items()} for r in independent_join(REVISED)]
    record = run_record(state_dir, run_id)
    assert record["status"] == "SUCCEEDED" and record["approved_by"].startswith("local:")
    assert record["counts"]["updated"] == 20
    # The lock was released: the next run of the same sources finds nothing to load.
    assert etl_here("run", "--source", f"nyt={revised}", state_dir=state_dir).returncode == 0


def test_a_rejected_run_writes_nothing_and_the_snapshot_stays(state: tuple[Path, Path]) -> None:
    state_dir, revised = state
    before = saved_table(state_dir)
    run_id = paused_run_id(etl_here("run", "--source", f"nyt={revised}", state_dir=state_dir))

    rejected = etl_here("reject", run_id, state_dir=state_dir)
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    assert f"run {run_id}: REJECTED" in rejected.stdout
    assert f"Subject: [covid-etl] REJECTED: run {run_id}" in rejected.stdout
    record = run_record(state_dir, run_id)
    assert record["status"] == "REJECTED" and record["error"].startswith("rejected by local:")
    assert saved_table(state_dir) == before
    # The snapshot did not advance: the same sources plan the same 20 revisions again (and,
    # with a gate that lets them through, load them: the lock was released).
    again = etl_here(
        "run",
        "--source",
        f"nyt={revised}",
        "--approval-share",
        "1",
        "--approval-rows",
        "20",
        state_dir=state_dir,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "revised=20" in again.stdout and "updated=20" in again.stdout


def test_an_approval_holds_for_its_plan_only(state: tuple[Path, Path]) -> None:
    state_dir, revised = state
    run_id = paused_run_id(etl_here("run", "--source", f"nyt={revised}", state_dir=state_dir))
    first_plan = run_record(state_dir, run_id)["approval_plan_hash"]
    revised.write_bytes(revised_nyt(*REVISED_DAYS, bump=2000))  # upstream changed meanwhile

    asked_again = etl_here("approve", run_id, state_dir=state_dir)
    assert paused_run_id(asked_again) == run_id
    assert run_record(state_dir, run_id)["approval_plan_hash"] != first_plan
    assert etl_here("approve", run_id, state_dir=state_dir).returncode == 0
    expected = independent_join(revised_nyt(*REVISED_DAYS, bump=2000))  # the second plan
    assert saved_table(state_dir) == [{k: str(v) for k, v in r.as_row().items()} for r in expected]


def test_answering_a_run_that_is_not_paused_is_a_usage_error(state: tuple[Path, Path]) -> None:
    state_dir, _ = state
    [done] = saved_runs(state_dir)
    result = etl_here("approve", done["run_id"], state_dir=state_dir)  # its main, in this process
    assert result.returncode == 2
    assert f"run {done['run_id']} is SUCCEEDED, not AWAITING_APPROVAL" in result.stderr


# --- in process: the paused execution answered with its task token, as on AWS ---------------


@pytest.fixture
def gate(loaded: Pipeline) -> Iterator[Pipeline]:
    """The module's loaded account; the table is put back after each test."""
    table = loaded.table()
    yield loaded
    # Back to the shipped files: itself a large revision, let through by an open gate.
    os.environ.update({"APPROVAL_SHARE": "1", "APPROVAL_ROWS": "1000"})
    assert loaded.run().status == "SUCCEEDED"
    assert loaded.table() == table


def paused(pipeline: Pipeline) -> RunResult:
    result = pipeline.run(nyt=REVISED)
    assert result.paused and result.run and result.run["status"] == "AWAITING_APPROVAL"
    return result


def test_send_task_success_loads_and_records_the_approver(gate: Pipeline) -> None:
    result = paused(gate)
    lock = aws.from_item(
        boto3.client("dynamodb").get_item(
            TableName=gate.stack.settings.runs_table, Key={"pk": {"S": aws.LOCK_KEY}}
        )["Item"]
    )
    assert lock["run_id"] == result.run_id
    # The lease outlives the wait: a day of waiting plus the usual hour.
    assert lock["expires_at"] >= time.time() + 86400
    done = gate.answer(result, approve=True, by="arn:aws:iam::123456789012:user/alice")
    assert done.status == "SUCCEEDED" and done.run["approved_by"].endswith("user/alice")
    assert gate.table() == independent_join(REVISED)


def test_send_task_failure_rejects_and_writes_nothing(gate: Pipeline) -> None:
    table = gate.table()
    result = paused(gate)
    done = gate.answer(result, approve=False, by="bob")
    assert done.run["status"] == "REJECTED" and done.run["error"] == "rejected by bob"
    assert done.email_subject and done.email_subject.startswith("[covid-etl] REJECTED")
    assert gate.table() == table


def test_no_answer_in_time_rejects_by_timeout_and_notifies(
    gate: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = gate.table()
    # read by StartRun: the state's timeout (long enough for a loaded machine to see the pause)
    monkeypatch.setenv("APPROVAL_TIMEOUT_SECONDS", "5")
    result = paused(gate)
    done = gate.ended(result.run_id)
    assert done.run["status"] == "REJECTED" and done.run["error_type"] == "States.Timeout"
    assert done.run["error"].startswith("rejected by timeout")
    assert done.email_body and "rejected by timeout" in done.email_body
    assert gate.table() == table
    lock = boto3.client("dynamodb").get_item(
        TableName=gate.stack.settings.runs_table, Key={"pk": {"S": aws.LOCK_KEY}}
    )
    assert "Item" not in lock  # released


# --- through the REST API: `etl api`'s gateway, SigV4 as API Gateway checks it ----------------

GATEWAY_URL = "http://127.0.0.1:1"


def call(gateway: LocalGateway, method: str, path: str, *, signed: bool = True) -> tuple[int, dict]:
    request = AWSRequest(method=method, url=GATEWAY_URL + path, data=b"")
    if signed:  # the local credentials, those the embedded AWS sets
        SigV4Auth(
            Credentials("testing", "testing", "testing"), "execute-api", "us-east-1"
        ).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1:1"
    status, _, body = gateway.handle(method, GATEWAY_URL + path, headers, b"")
    return status, json.loads(body or b"{}")


def settled(gateway: LocalGateway, run_id: str) -> dict:
    """The run's record once its execution has ended and the gateway has saved the state."""
    deadline = time.monotonic() + 300  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline:
        _, run = call(gateway, "GET", f"/runs/{run_id}")
        if run.get("status") not in ("RUNNING", "AWAITING_APPROVAL") and not gateway.running:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not end within 300 s")


def test_a_paused_run_is_approved_through_the_api_by_a_signed_request_and_loads(
    gate: Pipeline,
) -> None:
    result = paused(gate)
    gateway = LocalGateway(gate.stack, local_signers())
    approve = f"/runs/{result.run_id}/approve"

    assert call(gateway, "POST", approve, signed=False)[0] == 403  # no signature: API Gateway's 403
    assert call(gateway, "GET", f"/runs/{result.run_id}")[1]["status"] == "AWAITING_APPROVAL"

    status, answer = call(gateway, "POST", approve)
    assert status == 200 and answer["decision"] == "approved"
    run = settled(gateway, result.run_id)
    assert run["status"] == "SUCCEEDED"
    assert run["approved_by"] == answer["by"] and answer["by"].startswith("arn:aws:")
    assert gate.table() == independent_join(REVISED)
    assert call(gateway, "POST", approve)[0] == 409  # answered: nothing waits any more


def test_a_paused_run_rejected_through_the_api_writes_nothing(gate: Pipeline) -> None:
    table = gate.table()
    result = paused(gate)
    gateway = LocalGateway(gate.stack, local_signers())
    status, answer = call(gateway, "POST", f"/runs/{result.run_id}/reject")
    assert status == 200 and answer["decision"] == "rejected"
    run = settled(gateway, result.run_id)
    assert run["status"] == "REJECTED" and run["error"] == f"rejected by {answer['by']}"
    assert gate.table() == table
