"""An in-memory fake of the AWS layer (covid_etl.aws) for the steps' unit tests: the objects of
the data bucket, the daily table's records (and the counties table's), the run records and the
lock, the retry queue, the status topic, the state machine's executions and the Redshift Data
API's statements, and nothing else. A step that calls an aws
function the fake lacks fails with AttributeError, so a test never reaches moto."""

from __future__ import annotations

import importlib
import io
import pkgutil
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

import pytest

from covid_etl import aws, steps
from covid_etl.datasets import DATASETS, US_COUNTIES, Dataset, Record
from covid_etl.records import US, DailyRecord
from covid_etl.settings import Settings

SETTINGS = Settings(
    data_bucket="data",
    daily_table="daily",
    counties_table="counties",
    runs_table="runs",
    retry_queue_url="retry",
    retry_dlq_url="dlq",
    status_topic_arn="topic",
)


@dataclass
class FakeAws:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)
    table: dict[date, DailyRecord] = field(default_factory=dict)
    # Another dataset's records by their key: (date, fips) for the counties.
    counties: dict[tuple, Record] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock_holder: dict[str, Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    made_visible: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dlq_depth: int = 0
    published: list[tuple[str, str, str]] = field(default_factory=list)
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    put_calls: list[list[dict[str, Any]]] = field(default_factory=list)
    refuse_entries: int = 0  # the next N PutEvents entries are refused (InternalFailure)
    statements: list[str] = field(default_factory=list)  # the SQL submitted, in order
    # DescribeStatement: each statement is STARTED for running_polls polls, then FINISHED, or
    # FAILED with the error given for its position; a COPY reports copied_rows.
    running_polls: int = 0
    failing: dict[int, str] = field(default_factory=dict)
    copied_rows: int = 3
    polled: dict[int, int] = field(default_factory=dict)

    # The exceptions the steps catch by their aws-module names.
    LockHeld = aws.LockHeld
    ObjectTooLarge = aws.ObjectTooLarge

    # Objects a step must stream (a county-size file): get_object of one fails, and its stream
    # refuses a read of the whole rest (read() or read(-1)) and any read over 64 KB.
    streamed_only: set[tuple[str, str]] = field(default_factory=set)

    def get_object(self, bucket: str, key: str, max_bytes: int | None = None) -> bytes | None:
        assert (bucket, key) not in self.streamed_only, f"{key} read whole"
        return self.objects.get((bucket, key))

    def head_object(self, bucket: str, key: str) -> aws.ObjectHead | None:
        body = self.objects.get((bucket, key))
        return None if body is None else aws.ObjectHead(len(body), None)

    def copy_object(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        version_id: str | None = None,
    ) -> None:
        # S3 answers InvalidRequest: a copy onto itself that changes nothing is illegal.
        assert (source_bucket, source_key) != (bucket, key), "CopyObject of an object onto itself"
        self.objects[(bucket, key)] = self.objects[(source_bucket, source_key)]

    def open_object(self, bucket: str, key: str) -> BinaryIO | None:
        body = self.objects.get((bucket, key))
        if body is None:
            return None
        return PieceByPiece(body) if (bucket, key) in self.streamed_only else io.BytesIO(body)

    def put_object(
        self, bucket: str, key: str, body: bytes, content_type: str = "text/csv"
    ) -> None:
        self.objects[(bucket, key)] = body

    def upload_file(
        self, bucket: str, key: str, file: BinaryIO, content_type: str = "text/csv"
    ) -> None:
        self.objects[(bucket, key)] = file.read()
        file.close()  # as upload_fileobj does (boto/s3transfer#80): the caller must not use it

    def presigned_url(self, bucket: str, key: str, expires_seconds: int) -> str:
        return f"https://{bucket}.s3.amazonaws.com/{key}?X-Amz-Expires={expires_seconds}"

    def acquire_lock(
        self, table: str, run_id: str, since: str, now_epoch: int, lease_seconds: int
    ) -> None:
        if self.lock_holder is not None and self.lock_holder["run_id"] != run_id:
            raise aws.LockHeld(self.lock_holder)
        self.lock_holder = {"run_id": run_id, "since": since}

    def release_lock(self, table: str, run_id: str) -> bool:
        if self.lock_holder is None or self.lock_holder["run_id"] != run_id:
            return False
        self.lock_holder = None
        return True

    def put_run(self, table: str, run: dict[str, Any]) -> None:
        self.runs[run["run_id"]] = dict(run)

    def update_run(self, table: str, run_id: str, fields: dict[str, Any]) -> None:
        self.runs.setdefault(run_id, {"run_id": run_id}).update(fields)

    def get_run(self, table: str, run_id: str) -> dict[str, Any] | None:
        return self.runs.get(run_id)

    def scan_runs(self, table: str) -> list[dict[str, Any]]:
        return list(self.runs.values())

    def scan_records(self, table: str) -> list[DailyRecord]:
        return list(self.table.values())

    def batch_get_records(
        self, table: str, keys: list[tuple], spec: Dataset = US
    ) -> dict[tuple, Record]:
        held = {(d,): r for d, r in self.table.items()} if spec is US else self.counties
        return {key: held[key] for key in keys if key in held}

    def receive_all(
        self, queue_url: str, visibility_seconds: int, limit: int = 10_000
    ) -> list[dict[str, Any]]:
        return self.received[:limit]

    def queue_depth(self, queue_url: str) -> int:
        return self.dlq_depth

    def publish(self, topic_arn: str, subject: str, message: str) -> None:
        self.published.append((topic_arn, subject, message))

    def start_execution(
        self, state_machine_arn: str, name: str, execution_input: dict[str, Any]
    ) -> bool:
        # Step Functions refuses a second execution of the same name: not started again.
        if name in self.executions:
            return False
        self.executions[name] = execution_input
        return True

    def send_messages(self, queue_url: str, bodies: list[dict[str, Any]]) -> None:
        self.sent += bodies

    def make_visible(self, queue_url: str, receipt_handles: list[str]) -> None:
        self.made_visible += receipt_handles

    def delete_messages(self, queue_url: str, receipt_handles: list[str]) -> None:
        self.deleted += receipt_handles

    def put_events(self, entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        self.put_calls.append(entries)
        refused = entries[: self.refuse_entries]
        self.refuse_entries -= len(refused)
        return [(entry, "InternalFailure") for entry in refused]

    def execute_statement(self, workgroup: str, database: str, sql: str) -> str:
        self.statements.append(sql)
        return str(len(self.statements) - 1)

    def describe_statement(self, statement_id: str) -> dict[str, Any]:
        position = int(statement_id)
        self.polled[position] = self.polled.get(position, 0) + 1
        if self.polled[position] <= self.running_polls:
            return {"status": "STARTED", "error": "", "rows": -1}
        if position in self.failing:
            return {"status": "FAILED", "error": self.failing[position], "rows": -1}
        copy = self.statements[position].startswith("COPY ")
        return {"status": "FINISHED", "error": "", "rows": self.copied_rows if copy else 0}


class PieceByPiece(io.BytesIO):
    """An object's stream that may only be read a piece at a time (as a TextIOWrapper does)."""

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 <= size <= 64 * 1024, f"read({size}): the whole object"
        return super().read(size)

    def read1(self, size: int | None = -1) -> bytes:
        return self.read(size)


def first_load(count: int, day: date) -> list[Record]:
    """A county first load's records: ``count`` counties of one day, sorted by FIPS."""
    spec = DATASETS[US_COUNTIES]
    return [spec.record(day, f"{n:05d}", "C", "S", n, 0) for n in range(count)]


def fake_aws_layer(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    """Every step module's AWS layer (and the shared helpers') replaced by one fresh fake;
    a step without one (api: its routes live in covid_etl.api) is left as it is."""
    fake = FakeAws()
    for module in pkgutil.iter_modules(steps.__path__, f"{steps.__name__}."):
        step_module = importlib.import_module(module.name)
        if hasattr(step_module, "aws"):
            monkeypatch.setattr(step_module, "aws", fake)
    return fake
