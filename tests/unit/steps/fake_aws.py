"""An in-memory fake of the AWS layer (covid_etl.aws) for the steps' unit tests: the objects of
the data bucket, the daily table's records and the retry queue, and nothing else. A step that
calls an aws function the fake lacks fails with AttributeError, so a test never reaches moto."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from covid_etl import steps
from covid_etl.records import DailyRecord
from covid_etl.settings import Settings

SETTINGS = Settings(
    data_bucket="data",
    daily_table="daily",
    runs_table="runs",
    retry_queue_url="retry",
    retry_dlq_url="dlq",
    status_topic_arn="topic",
)


@dataclass
class FakeAws:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)
    table: dict[date, DailyRecord] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    made_visible: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    put_calls: list[list[dict[str, Any]]] = field(default_factory=list)
    refuse_entries: int = 0  # the next N PutEvents entries are refused (InternalFailure)

    def get_object(self, bucket: str, key: str, max_bytes: int | None = None) -> bytes | None:
        return self.objects.get((bucket, key))

    def put_object(
        self, bucket: str, key: str, body: bytes, content_type: str = "text/csv"
    ) -> None:
        self.objects[(bucket, key)] = body

    def batch_get_records(self, table: str, days: list[date]) -> dict[date, DailyRecord]:
        return {day: self.table[day] for day in days if day in self.table}

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


def fake_aws_layer(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    """Every step module's AWS layer (and the shared helpers') replaced by one fresh fake."""
    fake = FakeAws()
    for module in pkgutil.iter_modules(steps.__path__, f"{steps.__name__}."):
        imported = importlib.import_module(module.name)
        if hasattr(imported, "aws"):  # a step may reach AWS only through _common's helpers
            monkeypatch.setattr(imported, "aws", fake)
    return fake
