"""``etl smoke``: prove a deployed stack works by running it once and checking what it recorded.

The smoke test starts one execution of ``<prefix>-daily`` with the schedule's input (``{}``),
waits for it (bounded), asserts it succeeded, then reads the run record the execution wrote and
checks the accounting invariants on its counts. A re-run of the same day changes nothing
(the pipeline is idempotent), so running it against a live environment is safe.

``--env local`` runs the same checks against the embedded AWS restored from a local state dir
(after ``etl run``), which is how the smoke test itself is exercised without an AWS account.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from covid_etl import aws
from covid_etl.accounting import COUNT_NAMES, InvariantBroken, check_invariants
from covid_etl.handler import cause_message
from etl_tools.command import add_command
from etl_tools.naming import LOCAL_ENVIRONMENT, Names

DEFAULT_TIMEOUT_SECONDS = 900.0  # a daily run on AWS takes minutes (the Glue job's start-up)
_FIRST_POLL_SECONDS = 0.2
_MAX_POLL_SECONDS = 10.0
SUCCEEDED = "SUCCEEDED"


class SmokeSetupError(Exception):
    """A prerequisite is missing (credentials, region, the stack itself): nothing was run."""


@dataclass
class SmokeReport:
    state_machine_arn: str
    execution_name: str
    execution_status: str = "NOT STARTED"
    seconds: float = 0.0
    run: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        lines = [
            f"state machine  {self.state_machine_arn}",
            f"execution      {self.execution_name}: {self.execution_status} after "
            + f"{self.seconds:.1f} s",
        ]
        if self.run is not None:
            counts = self.run.get("counts") or {}
            lines.append(f"run record     status {self.run.get('status', '?')}")
            lines.append(
                "counts         " + " ".join(f"{n}={counts.get(n, '-')}" for n in COUNT_NAMES)
            )
        lines.extend(f"problem        {problem}" for problem in self.problems)
        lines.append("smoke test PASSED" if self.passed else "smoke test FAILED")
        return lines


def stack_names(session: boto3.Session, environment: str) -> Names:
    """The stack's names in the account and region the session's credentials point at."""
    region = session.region_name
    if not region:
        raise SmokeSetupError(
            "no AWS region configured: set AWS_DEFAULT_REGION (or a profile's region)"
        )
    try:
        account_id = session.client("sts").get_caller_identity()["Account"]
    except NoCredentialsError:
        raise SmokeSetupError(
            "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE "
            "(Jenkins binds them from its credentials store)"
        ) from None
    except (ClientError, BotoCoreError) as exc:
        raise SmokeSetupError(f"AWS credentials rejected: {exc}") from None
    return Names(environment, account_id, region)


def new_execution_name() -> str:
    # The execution name is the run id; the prefix tells smoke runs apart in the run history.
    return f"smoke-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def smoke_test(
    session: boto3.Session,
    environment: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    execution_name: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SmokeReport:
    names = stack_names(session, environment)
    sfn = session.client("stepfunctions")
    arn = f"arn:aws:states:{names.region}:{names.account_id}:stateMachine:{names.state_machine}"
    report = SmokeReport(arn, execution_name or new_execution_name())
    started = clock()
    try:
        execution_arn = sfn.start_execution(
            stateMachineArn=arn, name=report.execution_name, input="{}"
        )["executionArn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "StateMachineDoesNotExist":
            raise SmokeSetupError(
                f"state machine {names.state_machine} not found in account {names.account_id} "
                f"region {names.region}: deploy the stack first (make deploy ENV={environment})"
            ) from None
        raise
    description = _wait(sfn, execution_arn, started + timeout_seconds, clock, sleep)
    report.seconds = clock() - started
    report.execution_status = description["status"]
    if report.execution_status == "RUNNING":
        # Not stopped: stopping would skip FailRun and leave the run lock held until its lease ends.
        report.problems.append(
            f"still running after {timeout_seconds:.0f} s (left running: {execution_arn})"
        )
        return report
    if report.execution_status != SUCCEEDED:
        report.problems.append(
            f"execution {report.execution_status}: {description.get('error', '')} "
            f"{cause_message(description.get('cause'))}".rstrip()
        )
    report.run = _run_record(session, names.runs_table, report.execution_name)
    report.problems.extend(_run_record_problems(report.run, names.runs_table))
    return report


def _wait(
    sfn: Any,
    execution_arn: str,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """Poll until the execution leaves RUNNING or the deadline passes (back-off up to 10 s)."""
    pause = _FIRST_POLL_SECONDS
    while True:
        description = sfn.describe_execution(executionArn=execution_arn)
        remaining = deadline - clock()
        if description["status"] != "RUNNING" or remaining <= 0:
            return description
        sleep(min(pause, remaining))
        pause = min(pause * 2, _MAX_POLL_SECONDS)


def _run_record(session: boto3.Session, table: str, run_id: str) -> dict[str, Any] | None:
    item = (
        session.client("dynamodb")
        .get_item(
            TableName=table, Key={"pk": {"S": aws.RUN_KEY_PREFIX + run_id}}, ConsistentRead=True
        )
        .get("Item")
    )
    return aws.from_item(item) if item else None


def _run_record_problems(run: dict[str, Any] | None, table: str) -> list[str]:
    if run is None:
        return [f"no run record in {table}"]
    problems = []
    if run.get("status") != SUCCEEDED:
        problems.append(f"run record status {run.get('status')}: {run.get('error', 'no error')}")
    counts = run.get("counts") or {}
    missing = [name for name in COUNT_NAMES if name not in counts]
    if missing:
        problems.append(f"run record counts lack {', '.join(missing)}")
    try:
        check_invariants(counts)
    except InvariantBroken as exc:
        problems.append(f"accounting invariant broken: {exc}")
    return problems


@contextmanager
def _embedded_stack(state_dir: Path, execution_name: str) -> Iterator[None]:
    """The local stack as ``etl run`` left it, its sources served, handler logs to a file."""
    from etl_tools.local.runner import embedded_aws, logs_to
    from etl_tools.local.sources_server import SourcesServer
    from etl_tools.local.state_store import MANIFEST

    if not (state_dir / MANIFEST).is_file():
        raise SmokeSetupError(f"no local stack in {state_dir}: run `etl run` (make run) first")
    with (
        SourcesServer() as server,
        embedded_aws(state_dir, source_urls=server.urls),
        logs_to(state_dir / "logs" / f"{execution_name}.jsonl"),
    ):
        yield


def command(args: argparse.Namespace) -> int:
    execution_name = new_execution_name()
    try:
        if args.env == LOCAL_ENVIRONMENT:
            with _embedded_stack(args.state_dir, execution_name):
                report = smoke_test(boto3.Session(), args.env, args.timeout, execution_name)
        else:
            report = smoke_test(boto3.Session(), args.env, args.timeout, execution_name)
    except SmokeSetupError as exc:
        print(f"etl smoke: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.passed else 1


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "smoke",
        command,
        state_dir=f"with --env {LOCAL_ENVIRONMENT}: the local state etl run left",
        help="run a deployed stack once and check the run it recorded",
        description="Start one execution of the environment's state machine, wait for it, and "
        "check that it succeeded and that its run record's counts satisfy the accounting "
        "invariants. AWS credentials and region come from the environment. "
        "Exit status: 0 passed, 1 failed, 2 a prerequisite is missing.",
    )
    parser.add_argument(
        "--env", required=True, help=f"environment (dev, prod, {LOCAL_ENVIRONMENT})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"give up waiting after this long (default {DEFAULT_TIMEOUT_SECONDS:.0f})",
    )
