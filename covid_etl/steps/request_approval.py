"""RequestApproval: the run waits for an operator; its record says why, the email what changes.

The state invokes this function with ``.waitForTaskToken``: the execution stays paused until an
operator's SendTaskSuccess (approve) or SendTaskFailure (reject) with the token stored here, or
until the state's timeout (rejected by timeout). The run keeps the lock meanwhile.
"""

from __future__ import annotations

from covid_etl import aws
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import iso, now
from covid_etl.steps.notify import notify

APPROVAL_COUNTS = ("new", "revised", "unchanged", "retried", "delta")

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "task_token": {"type": "string", "minLength": 1},
        "plan": schema(
            {
                "approval_reason": {"type": "string", "minLength": 1},
                "plan_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "top_revisions": {"type": "array"},
                **{name: {"type": "integer"} for name in APPROVAL_COUNTS},
            }
        ),
    }
)


def request_approval(settings: Settings, run_id: str, task_token: str, plan: dict) -> dict:
    run = aws.get_run(settings.runs_table, run_id) or {}
    moment = now()
    # The lock's lease must outlive the wait, or the next run would take the lock over from a
    # run that is only waiting for its answer (the lease's job is to free a crashed run's).
    aws.acquire_lock(
        settings.runs_table,
        run_id,
        run.get("started_at") or iso(moment),
        int(moment.timestamp()),
        settings.approval_timeout_seconds + settings.lock_lease_seconds,
    )
    aws.update_run(
        settings.runs_table,
        run_id,
        {
            "status": "AWAITING_APPROVAL",
            "approval_token": task_token,
            "approval_reason": plan["approval_reason"],
            "approval_counts": {name: plan[name] for name in APPROVAL_COUNTS},
            "approval_plan_hash": plan["plan_hash"],
            "approval_revisions": plan["top_revisions"],
            "approval_requested_at": iso(moment),
            "approval_timeout_seconds": settings.approval_timeout_seconds,
        },
    )
    # The same email code as the Notify state: the record now says what waits and why.
    return notify(settings, run_id)
