"""One naming convention for every AWS resource, shared by Terraform and the local runner.

Terraform's root module computes the same names in ``infra/locals.tf``; a test
(tests/infra/test_naming.py) proves the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT = "covid-etl"
LOCAL_ENVIRONMENT = "local"

# One Lambda function per folder under lambdas/, in pipeline order.
FUNCTIONS: tuple[str, ...] = (
    "start_run",
    "extract_source",
    "validate_source",
    "transform_sources",
    "collect_retries",
    "plan_load",
    "record_pre_load",
    "check_load",
    "reconcile_load",
    "queue_failures",
    "commit_snapshot",
    "finish_run",
    "fail_run",
    "render_dashboard",
    "notify",
    # The events after a successful load (docs/architecture.md#events).
    "publish_changes",
    "announce_run",
    # Not a state: consumes the upload queue and starts executions.
    "start_from_upload",
)
# The functions the state machine invokes: one ${<name>_arn} placeholder each.
STATE_FUNCTIONS: tuple[str, ...] = FUNCTIONS[:-1]


@dataclass(frozen=True)
class Names:
    environment: str
    account_id: str
    region: str = "us-east-1"
    project: str = PROJECT

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.environment}"

    @property
    def data_bucket(self) -> str:
        # Bucket names are global: the account id keeps them unique.
        return f"{self.prefix}-data-{self.account_id}"

    @property
    def daily_table(self) -> str:
        return f"{self.prefix}-daily"

    @property
    def runs_table(self) -> str:
        return f"{self.prefix}-runs"

    @property
    def retry_queue(self) -> str:
        return f"{self.prefix}-retry"

    @property
    def retry_dlq(self) -> str:
        return f"{self.prefix}-retry-dlq"

    @property
    def upload_queue(self) -> str:
        return f"{self.prefix}-uploads"

    @property
    def upload_dlq(self) -> str:
        return f"{self.prefix}-uploads-dlq"

    @property
    def upload_rule(self) -> str:
        return f"{self.prefix}-uploads"

    @property
    def event_bus(self) -> str:
        return f"{self.prefix}-events"

    @property
    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{self.state_machine}"

    @property
    def status_topic(self) -> str:
        return f"{self.prefix}-status"

    @property
    def load_job(self) -> str:
        return f"{self.prefix}-load"

    @property
    def state_machine(self) -> str:
        return f"{self.prefix}-daily"

    @property
    def schedule(self) -> str:
        return f"{self.prefix}-daily"

    def function(self, name: str) -> str:
        if name not in FUNCTIONS:
            raise KeyError(f"unknown function {name!r}")
        return f"{self.prefix}-{name.replace('_', '-')}"

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function(name)}"
