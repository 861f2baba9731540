"""``etl approve RUN`` / ``etl reject RUN``: answer a run paused at the approval gate, locally.

On AWS the paused execution waits in RequestApproval for its task token, and an approver calls
SendTaskSuccess (output ``{"approved": true, "approved_by": ...}``) or SendTaskFailure (error
``Rejected``). moto keeps a paused execution only in the memory of the process that started it
(``etl run`` has exited by now), so the local answer is a new execution of the same state
machine, under the same name (the run's id: its record, lock and log stay the run's):
- approve: the run's own input plus ``approval: {plan_hash, approved_by}``. The execution extracts
  and plans again; the ApprovedThisPlan choice goes straight to the load when the new plan's hash
  is the approved one, and asks again (exit 3) when the sources changed meanwhile;
- reject: ``rejection: {Error: Rejected, Cause}``: the RejectedWhilePaused choice sends it straight
  to RejectRun, the state the paused execution's Catch would have reached;
- a run whose approval time ran out is ended as the timeout would have ended it (States.Timeout).

``etl run`` keeps, beside the paused run, the local source files it served
(``local/paused/<run>.json`` in the local bucket), so the answer serves the same upstream.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from covid_etl import aws
from covid_etl.approval import REJECTED, TIMED_OUT
from etl_tools.local.runner import LocalStack
from etl_tools.local.sources_server import DEFAULT_FILES, cut_at

AWAITING_APPROVAL = "AWAITING_APPROVAL"
PAUSED_PREFIX = "local/paused/"  # the local runner's own objects: nothing on AWS reads them


class NotAwaitingApproval(Exception):
    """The run does not exist or is not paused at the gate."""


@dataclass(frozen=True)
class PausedRun:
    """What the local `etl run` served to a run that paused: the answer serves it again."""

    as_of: str | None
    files: dict[str, str]  # source -> the local file it served instead of the shipped one

    def bodies(self) -> dict[str, bytes]:
        """The sources as the files read now: a file changed meanwhile makes a new plan."""
        bodies = {}
        for source, default in DEFAULT_FILES.items():
            data = Path(self.files.get(source, default)).read_bytes()
            as_of = date.fromisoformat(self.as_of) if self.as_of else None
            bodies[source] = cut_at(data, source, as_of) if as_of else data
        return bodies


def local_identity() -> str:
    """Who answers locally (on AWS: the caller's IAM identity)."""
    return f"local:{getpass.getuser()}"


def save_paused(stack: LocalStack, run_id: str, as_of: date | None, files: dict[str, Path]) -> None:
    descriptor = {
        "as_of": as_of.isoformat() if as_of else None,
        "files": {source: str(path.resolve()) for source, path in files.items()},
    }
    aws.put_object(
        stack.settings.data_bucket,
        PAUSED_PREFIX + f"{run_id}.json",
        json.dumps(descriptor).encode(),
        "application/json",
    )


def forget_paused(stack: LocalStack, run_id: str) -> None:
    boto3.client("s3").delete_object(
        Bucket=stack.settings.data_bucket, Key=PAUSED_PREFIX + f"{run_id}.json"
    )


def paused_run(stack: LocalStack, run_id: str) -> tuple[dict[str, Any], PausedRun]:
    """The run record of a run awaiting approval, and what its `etl run` served."""
    run = aws.get_run(stack.settings.runs_table, run_id)
    if run is None:
        raise NotAwaitingApproval(f"no run {run_id!r} in {stack.state_dir}")
    if run.get("status") != AWAITING_APPROVAL:
        raise NotAwaitingApproval(
            f"run {run_id} is {run.get('status', '?')}, not {AWAITING_APPROVAL}: nothing to answer"
        )
    saved = aws.get_object(stack.settings.data_bucket, PAUSED_PREFIX + f"{run_id}.json")
    descriptor = json.loads(saved or b"{}")
    as_of = descriptor.get("as_of", run.get("trigger", {}).get("as_of"))
    return run, PausedRun(as_of=as_of, files=descriptor.get("files", {}))


def timed_out(run: dict[str, Any], now: datetime) -> bool:
    requested = datetime.fromisoformat(run["approval_requested_at"])
    return now > requested + timedelta(seconds=int(run["approval_timeout_seconds"]))


def answer_input(run: dict[str, Any], approve: bool, by: str, now: datetime) -> dict[str, Any]:
    """The input of the execution that carries the answer (see the module's docstring)."""
    if timed_out(run, now):
        return {"rejection": {"Error": TIMED_OUT, "Cause": ""}}
    if not approve:
        return {"rejection": {"Error": REJECTED, "Cause": f"rejected by {by}"}}
    trigger = {k: v for k, v in run.get("trigger", {}).items() if k != "approval"}
    return {**trigger, "approval": {"plan_hash": run["approval_plan_hash"], "approved_by": by}}
