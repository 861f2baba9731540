"""RequestApproval: store the task token, mark the run AWAITING_APPROVAL, email the operators."""

from covid_etl.handler import RUN_ID, lambda_handler, schema
from covid_etl.steps.request_approval import APPROVAL_COUNTS, request_approval

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

handler = lambda_handler(SCHEMA, request_approval)
