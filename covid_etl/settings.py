"""Runtime settings of the Lambda functions and the local runner, read from environment variables.

Terraform sets the same variables on every function (infra/modules/functions);
the local runner sets them on the moto functions it creates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from covid_etl.sources import DEFAULT_MAX_COUNT

# Variable name -> meaning. The Terraform functions module sets each of these.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "DATA_BUCKET": "S3 bucket for raw/, staged/, rejects/, failures/, snapshot/, dashboard/",
    "DAILY_TABLE": "DynamoDB table of loaded days (partition key 'date')",
    "RUNS_TABLE": "DynamoDB table of run records and the run lock (partition key 'pk')",
    "RETRY_QUEUE_URL": "SQS queue of records that failed to load",
    "RETRY_DLQ_URL": "dead-letter queue of the retry queue",
    "STATUS_TOPIC_ARN": "SNS topic of the status email",
    "NYT_URL": "URL of the NYT us.csv",
    "JHU_URL": "URL of the datasets/covid-19 time-series-19-covid-combined.csv",
    "HTTP_TIMEOUT_SECONDS": "connect and read timeout of one HTTP attempt",
    "HTTP_RETRIES": "retries of an HTTP GET on timeouts, connection errors and 5xx",
    "HTTP_BACKOFF_SECONDS": "backoff factor between HTTP retries",
    "LOCK_LEASE_SECONDS": "lease of the run lock; an expired lock is taken over",
    "LOAD_POLL_SECONDS": "wait between two polls of the Glue load job",
    "RETRY_MAX_RECEIVES": "maxReceiveCount of the retry queue's redrive policy",
    "DASHBOARD_URL_TTL_SECONDS": "lifetime of the presigned dashboard link in the email",
    "STATE_MACHINE_ARN": "the pipeline's state machine (started by start_from_upload)",
    "MAX_SOURCE_BYTES": "largest source file read; a bigger one fails the run before it is read",
    "MAX_COUNT": "largest plausible count (capped at int64); a row above it is rejected",
    "EVENT_BUS_NAME": "EventBridge bus of the RecordChanged and RunCompleted events",
}

# Today's files are 21 KB and 3.6 MB. The row path holds about 19 times a file's size in memory
# (make bench, scale: 2,120 MB for 113 MB), so 10 MB fits the functions' 256 MB.
DEFAULT_MAX_SOURCE_BYTES = 10 * 1024 * 1024

DEFAULT_NYT_URL = "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv"
DEFAULT_JHU_URL = "https://raw.githubusercontent.com/datasets/covid-19/main/data/time-series-19-covid-combined.csv"


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
    event_bus_name: str = ""

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
