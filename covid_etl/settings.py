"""Runtime settings of the Lambda functions and the local runner, read from environment variables.

The variables are the contract's "environment" (covid_etl/contract.json): Terraform sets each
on every function (infra/main.tf), the local runner on the moto functions it creates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from covid_etl.approval import Thresholds
from covid_etl.contract import ENVIRONMENT_VARIABLES
from covid_etl.datasets import DEFAULT, Dataset, dataset
from covid_etl.sources import DEFAULT_MAX_COUNT, JHU, NYT

# Each dataset declares the largest source it takes (Dataset.max_source_bytes: 10 MB for the
# national series, whose steps hold a file whole, 1 GB for the counties, which stream through
# every step). MAX_SOURCE_BYTES, when set (not 0), lowers every dataset's limit to it.
DEFAULT_MAX_SOURCE_BYTES = 0

DEFAULT_NYT_URL = dataset(DEFAULT).urls[NYT]
DEFAULT_JHU_URL = dataset(DEFAULT).urls[JHU]


@dataclass(frozen=True)
class Settings:
    data_bucket: str
    daily_table: str
    runs_table: str
    retry_queue_url: str
    retry_dlq_url: str
    status_topic_arn: str
    nyt_url: str = DEFAULT_NYT_URL
    jhu_url: str = DEFAULT_JHU_URL
    http_timeout_seconds: float = 20.0
    http_retries: int = 4
    http_backoff_seconds: float = 1.0
    lock_lease_seconds: int = 3600
    load_poll_seconds: int = 30
    retry_max_receives: int = 3
    dashboard_url_ttl_seconds: int = 3600
    state_machine_arn: str = ""
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    max_count: int = DEFAULT_MAX_COUNT
    approval_share: float = 0.05
    approval_rows: int = 100
    approval_factor: float = 2.0
    approval_timeout_seconds: int = 86400
    event_bus_name: str = ""
    warehouse_workgroup: str = ""
    warehouse_database: str = "covid"
    warehouse_copy_role_arn: str = ""
    counties_table: str = ""

    def table(self, spec: Dataset) -> str:
        """The DynamoDB table of a dataset: the setting <table>_table (DAILY_TABLE, ...)."""
        name = getattr(self, f"{spec.table}_table", "")
        if not name:
            raise RuntimeError(f"no table set for dataset {spec.name}: {spec.table.upper()}_TABLE")
        return name

    def source_urls(self, spec: Dataset) -> dict[str, str]:
        """Where a dataset's sources are fetched unless the execution input says: NYT_URL and
        JHU_URL are the default dataset's (us); another dataset's are in its spec."""
        if spec.name == DEFAULT:
            return {NYT: self.nyt_url, JHU: self.jhu_url}
        return dict(spec.urls)

    def source_limit(self, spec: Dataset) -> int:
        """The largest source file of ``spec`` taken: its own limit, or MAX_SOURCE_BYTES if lower."""
        if self.max_source_bytes:
            return min(self.max_source_bytes, spec.max_source_bytes)
        return spec.max_source_bytes

    def approval_thresholds(self) -> Thresholds:
        return Thresholds(self.approval_share, self.approval_rows, self.approval_factor)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        missing = [
            name
            for name in (
                "DATA_BUCKET",
                "DAILY_TABLE",
                "RUNS_TABLE",
                "RETRY_QUEUE_URL",
                "RETRY_DLQ_URL",
                "STATUS_TOPIC_ARN",
            )
            if not env.get(name)
        ]
        if missing:
            raise RuntimeError(f"missing environment variables: {', '.join(missing)}")
        defaults = cls.__dataclass_fields__
        kwargs = {}
        for name in ENVIRONMENT_VARIABLES:
            field = name.lower()
            if name in env and env[name] != "":
                kwargs[field] = _coerce(env[name], defaults[field].default)
        return cls(**kwargs)

    def as_env(self) -> dict[str, str]:
        return {name: str(getattr(self, name.lower())) for name in ENVIRONMENT_VARIABLES}


def _coerce(value: str, default: object) -> object:
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value
