"""What several steps share: the clock, the snapshot, the retries received, ending a run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from tempfile import SpooledTemporaryFile
from typing import TextIO, TypeVar

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from covid_etl import aws, events, keys
from covid_etl.datasets import Dataset, Record
from covid_etl.handler import LOGGER
from covid_etl.records import US, records_of
from covid_etl.settings import Settings


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# A file written for upload stays in memory up to this size, then spills to /tmp (512 MB on
# Lambda): a county-size staged file is never whole in the function's memory.
SPOOLED_BYTES = 8 * 1024 * 1024


def open_text(settings: Settings, key: str) -> TextIO | None:
    """An object of the data bucket as text, read as it is consumed (line ends kept, as the
    csv module wants them), or None when it does not exist."""
    body = aws.open_object(settings.data_bucket, key)
    return None if body is None else io.TextIOWrapper(body, encoding="utf-8", newline="")


def csv_rows(settings: Settings, key: str) -> Iterator[dict[str, str]]:
    """The rows of a CSV object of the data bucket, streamed; none when it does not exist."""
    text = open_text(settings, key)
    return iter(()) if text is None else csv.DictReader(text)


@contextmanager
def uploaded(settings: Settings, key: str, content_type: str = "text/csv") -> Iterator[TextIO]:
    """A text file to write, uploaded to the data bucket as ``key`` when the block ends (not on
    an error: a step that fails half way leaves no object)."""
    with SpooledTemporaryFile(SPOOLED_BYTES) as file:
        out = io.TextIOWrapper(file, encoding="utf-8", newline="")
        yield out
        out.detach()  # flushed into the file, which stays open: the wrapper is done with it
        file.seek(0)
        # closes the file (boto/s3transfer#80)
        aws.upload_file(settings.data_bucket, key, file, content_type)


T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter): a stream handled a batch at a
    time (itertools.batched is Python 3.12)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def read_snapshot(settings: Settings, spec: Dataset = US) -> Iterator[Record]:
    """The dataset's snapshot records, sorted by key (commit_snapshot writes it so), streamed."""
    text = open_text(settings, keys.snapshot(spec.table))
    return records_of(text, spec) if text is not None else iter(())


def read_retries(settings: Settings, run_id: str) -> list[dict]:
    return json.loads(aws.get_object(settings.data_bucket, keys.retries(run_id)) or b"[]")


# A PutEvents entry refused (throttled, an internal error) is sent again this many times in all,
# then kept in S3: a failed entry is never dropped.
PUT_EVENTS_ATTEMPTS = 3


def publish_events(
    settings: Settings, run_id: str, entries: list[events.Entry], batch: str
) -> dict[str, int]:
    """Send the entries in PutEvents calls, retry the refused ones, keep what still fails."""
    pending = entries
    refused: list[tuple[events.Entry, str]] = []
    for _ in range(PUT_EVENTS_ATTEMPTS):
        refused = [failure for call in events.calls(pending) for failure in aws.put_events(call)]
        pending = [event for event, _ in refused]
        if not pending:
            break
    if refused:
        kept = [{"entry": event, "error_code": code} for event, code in refused]
        aws.put_object(
            settings.data_bucket,
            keys.unpublished(run_id, batch),
            json.dumps(kept, sort_keys=True).encode(),
            content_type="application/json",
        )
    return {"published": len(entries) - len(refused), "kept": len(refused)}


def end_run(
    settings: Settings,
    run: dict,
    run_id: str,
    counts: dict | None,
    error: str | None,
    error_type: str | None,
    extra: dict | None = None,
    status: str | None = None,
) -> dict:
    """Record how the run ended (``status``: SUCCEEDED or FAILED by ``error`` unless given)."""
    finished = now()
    started = run.get("started_at")
    status = status or ("FAILED" if error else "SUCCEEDED")
    duration = round((finished - parse_time(started)).total_seconds(), 3) if started else None
    aws.update_run(
        settings.runs_table,
        run_id,
        {
            "run_id": run_id,
            "status": status,
            "finished_at": iso(finished),
            "duration_seconds": duration,
            "counts": counts,
            "error": error,
            "error_type": error_type,
            **(extra or {}),
        },
    )
    aws.release_lock(settings.runs_table, run_id)
    metrics = run_metrics(settings.runs_table, status, counts or {}, duration)
    LOGGER.info("run metrics", extra={"run_id": run_id, **metrics})
    return {"status": status, "error": error or "", "error_type": error_type or ""}


# The run's counts and duration as CloudWatch metrics in the embedded metric format (EMF), one
# dimension: the runs table's name, one per deployed environment.
METRICS_NAMESPACE = "CovidEtl"
COUNTED = ("extracted", "rejected", "dropped_by_join", "inserted", "updated", "unchanged", "queued")


def run_metrics(
    runs_table: str, status: str, counts: dict[str, int], duration_seconds: float | None
) -> dict:
    """The EMF object, logged (not printed) so that its line carries the run id like the others:
    CloudWatch Logs turns it into metrics, with no PutMetricData call and no IAM action.
    EphemeralMetrics keeps no state between calls (Metrics shares it across instances)."""
    metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE)
    metrics.add_dimension(name="runs_table", value=runs_table)
    for name in COUNTED:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=int(counts.get(name, 0)))
    metrics.add_metric(name="failed_runs", unit=MetricUnit.Count, value=int(status == "FAILED"))
    if duration_seconds is not None:
        metrics.add_metric(name="duration", unit=MetricUnit.Seconds, value=duration_seconds)
    return metrics.serialize_metric_set()
