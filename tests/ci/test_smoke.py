"""``etl smoke`` against moto: a small state machine that writes a run record as the real one does."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from etl_tools import smoke
from etl_tools.local.runner import embedded_aws
from etl_tools.local.sources_server import SourcesServer
from etl_tools.local.state_store import StateStore
from etl_tools.naming import Names

ENV = "ci"
NAMES = Names(ENV, "123456789012", "us-east-1")
GOOD_COUNTS = {
    "extracted": 10,
    "rejected": 1,
    "dropped_by_join": 1,
    "matched": 8,
    "joined": 4,
    "retried": 1,
    "inserted": 2,
    "updated": 1,
    "unchanged": 1,
    "queued": 1,
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": NAMES.region,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.client("dynamodb").create_table(
            TableName=NAMES.runs_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        yield boto3.Session()


def deploy(states: dict[str, Any], start: str) -> None:
    boto3.client("stepfunctions").create_state_machine(
        name=NAMES.state_machine,
        definition=json.dumps({"StartAt": start, "States": states}),
        roleArn=f"arn:aws:iam::{NAMES.account_id}:role/sfn",
    )


def record_run(status: str, counts: dict[str, int], then: dict[str, Any]) -> dict[str, Any]:
    """A task that writes the run record under the execution's name, as StartRun/FinishRun do."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {
            "TableName": NAMES.runs_table,
            "Item": {
                "pk": {"S.$": "States.Format('RUN#{}', $$.Execution.Name)"},
                "status": {"S": status},
                "counts": {"M": {k: {"N": str(v)} for k, v in counts.items()}},
            },
        },
        **then,
    }


def run_smoke(session: boto3.Session, **kwargs: Any) -> smoke.SmokeReport:
    return smoke.smoke_test(session, ENV, timeout_seconds=30, **kwargs)


def test_passes_when_the_execution_succeeds_and_the_counts_add_up(aws_env: boto3.Session) -> None:
    deploy({"Run": record_run("SUCCEEDED", GOOD_COUNTS, {"End": True})}, "Run")
    report = run_smoke(aws_env)
    assert report.passed, report.problems
    assert report.execution_status == "SUCCEEDED"
    assert report.run is not None and report.run["counts"] == GOOD_COUNTS
    text = "\n".join(report.lines())
    assert "extracted=10" in text and text.endswith("smoke test PASSED")


def test_fails_when_the_execution_fails(aws_env: boto3.Session) -> None:
    deploy(
        {
            "Run": record_run("FAILED", GOOD_COUNTS, {"Next": "Fail"}),
            "Fail": {"Type": "Fail", "Error": "LoadJobFailed", "Cause": "load job ended FAILED"},
        },
        "Run",
    )
    report = run_smoke(aws_env)
    assert not report.passed
    assert report.execution_status == "FAILED"
    assert "execution FAILED: LoadJobFailed load job ended FAILED" in report.problems
    assert "run record status FAILED: no error" in report.problems
    assert report.lines()[-1] == "smoke test FAILED"


def test_fails_when_an_invariant_is_broken(aws_env: boto3.Session) -> None:
    lost_a_row = {**GOOD_COUNTS, "inserted": GOOD_COUNTS["inserted"] - 1}
    deploy({"Run": record_run("SUCCEEDED", lost_a_row, {"End": True})}, "Run")
    report = run_smoke(aws_env)
    assert report.execution_status == "SUCCEEDED"
    assert len(report.problems) == 1
    assert report.problems[0].startswith("accounting invariant broken: joined 4 + retried 1")


def test_fails_when_counts_are_missing(aws_env: boto3.Session) -> None:
    partial = {k: v for k, v in GOOD_COUNTS.items() if k not in ("queued", "retried")}
    # retried and queued cancel out: the invariants hold, so only the missing names are reported.
    deploy({"Run": record_run("SUCCEEDED", partial, {"End": True})}, "Run")
    report = run_smoke(aws_env)
    assert report.problems == ["run record counts lack retried, queued"]


def test_fails_when_no_run_record_is_written(aws_env: boto3.Session) -> None:
    deploy({"Nothing": {"Type": "Pass", "End": True}}, "Nothing")
    report = run_smoke(aws_env)
    assert report.problems == [f"no run record in {NAMES.runs_table}"]


def test_gives_up_after_the_timeout(aws_env: boto3.Session) -> None:
    deploy({"Slow": {"Type": "Wait", "Seconds": 2, "End": True}}, "Slow")
    ticks = iter(range(0, 1000, 100))  # every clock reading is 100 s later: the deadline passes
    report = run_smoke(aws_env, clock=lambda: float(next(ticks)), sleep=lambda _: None)
    assert report.execution_status == "RUNNING"
    assert report.problems[0].startswith("still running after 30 s")
    assert report.run is None


def test_missing_state_machine_is_a_setup_error(aws_env: boto3.Session) -> None:
    with pytest.raises(smoke.SmokeSetupError, match="deploy the stack first"):
        run_smoke(aws_env)


def test_missing_credentials_and_region_are_setup_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(smoke.SmokeSetupError, match="no AWS region"):
        smoke.stack_names(boto3.Session(), ENV)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with pytest.raises(smoke.SmokeSetupError, match="no AWS credentials"):
        smoke.stack_names(boto3.Session(), ENV)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="etl")
    smoke.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_command_prints_the_report_and_exits_by_outcome(
    aws_env: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["smoke", "--env", ENV, "--timeout", "30"])
    assert args.func(args) == 2
    assert "deploy the stack first (make deploy ENV=ci)" in capsys.readouterr().err

    deploy({"Run": record_run("SUCCEEDED", GOOD_COUNTS, {"End": True})}, "Run")
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert f"stateMachine:{NAMES.state_machine}" in out and "smoke test PASSED" in out


def test_local_env_needs_a_local_run_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["smoke", "--env", "local", "--state-dir", str(tmp_path)])
    assert args.func(args) == 2
    assert f"no local stack in {tmp_path}: run `etl run`" in capsys.readouterr().err


def test_local_smoke_passes_on_the_saved_local_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack as `etl run` saves it; a run before the smoke's own would only add ~3 s of CPU:
    # the smoke's execution is the run its checks read.
    with SourcesServer() as server, embedded_aws(tmp_path, source_urls=server.urls):
        pass
    args = parse(["smoke", "--env", "local", "--state-dir", str(tmp_path), "--timeout", "120"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "stateMachine:covid-etl-local-daily" in out and out.endswith("smoke test PASSED\n")
    # The smoke run is a run like any other: recorded, and kept in the local state.
    execution = re.search(r"execution +(smoke-\S+):", out)
    assert execution
    with StateStore.open(tmp_path, writable=False) as store:
        assert f"RUN#{execution.group(1)}" in json.dumps(store.load().tables)
