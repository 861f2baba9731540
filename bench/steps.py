"""Benchmark 4b: the county case through the Lambda steps, not only the library.

Every Lambda step a county run passes through that reads or writes its files runs as the
functions run it (covid_etl.steps, the handlers' code), each in its own process as each Lambda
invocation is, on scale.generate's county file of STEPS_DAYS days (1 M+ rows): ExtractSource
(downloading the file from a local HTTP server), ValidateSource, TransformSources, PlanLoad,
then, after the load, ReconcileLoad, QueueFailures, CommitSnapshot and one PublishChanges batch.
What is measured is each step's peak RSS against the functions' configured memory: it must
hold the county case with room to spare. Nothing is timed here (speed is the scale benchmark's).

The AWS services are outside the measured process, as they are outside a Lambda's memory: S3
is a folder (an object a file), the steps reach it through covid_etl.aws, whose functions the
child replaces (the steps' unit tests do the same with an in-memory fake). An upload reads its
file a part (8 MB) at a time as s3transfer does; s3transfer holds up to
aws.UPLOAD_PARTS_IN_MEMORY parts at once, which the folder does not. The load job is stood in
for by a table holding exactly the delta (every row loaded), read as ReconcileLoad asks for it;
SQS and EventBridge take what they are sent.
Two scenarios: ``daily`` (yesterday's snapshot: the delta is today's counties and the
revisions) and ``first load`` (no snapshot: every row is new, the delta is the whole file).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

from bench.measure import rss_now_kb, run_child
from bench.scale import COUNTIES, generate

STEPS_DAYS = 313  # x 3,200 counties: 1,001,600 rows
STEPS = (
    "extract_source",
    "validate_source",
    "transform_sources",
    "plan_load",
    "reconcile_load",
    "queue_failures",
    "commit_snapshot",
    "publish_changes",
)
SCENARIOS = ("daily", "first load")
RUN_ID = "bench-steps"
DATASET = "us-counties"
# The counts of a step's summary kept in the results.
COUNTED = (
    "bytes",
    "valid",
    "rejected",
    "joined",
    "new",
    "revised",
    "unchanged",
    "delta",
    "inserted",
    "updated",
    "failed",
    "queued",
    "days",
    "changed",
    "published",
)
BUCKET = "data"
UPLOAD_PART_BYTES = 8 * 1024 * 1024  # s3transfer's multipart_chunksize
# One PublishChanges batch: the distributed Map's ItemBatcher MaxItemsPerBatch.
BATCH_ITEMS = 500


def _aws_outside(folder: Path, delta_key: str) -> None:
    """covid_etl.aws's functions the steps call, on a folder (a key is a file under
    folder/bucket/) and services that keep nothing in this process."""
    from covid_etl import aws, datasets
    from covid_etl.records import records_of

    def path(bucket: str, key: str) -> Path:
        return folder / bucket / key

    def open_object(bucket: str, key: str) -> BinaryIO | None:
        return path(bucket, key).open("rb") if path(bucket, key).is_file() else None

    def get_object(bucket: str, key: str, max_bytes: int | None = None) -> bytes | None:
        return path(bucket, key).read_bytes() if path(bucket, key).is_file() else None

    def head_object(bucket: str, key: str) -> Any:
        is_file = path(bucket, key).is_file()
        return aws.ObjectHead(path(bucket, key).stat().st_size, None) if is_file else None

    def put_object(bucket: str, key: str, body: bytes, content_type: str = "text/csv") -> None:
        path(bucket, key).parent.mkdir(parents=True, exist_ok=True)
        path(bucket, key).write_bytes(body)

    def copy_object(
        source_bucket: str, source_key: str, bucket: str, key: str, version_id: Any = None
    ) -> None:
        path(bucket, key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path(source_bucket, source_key), path(bucket, key))

    def upload_file(bucket: str, key: str, file: BinaryIO, content_type: str = "text/csv") -> None:
        path(bucket, key).parent.mkdir(parents=True, exist_ok=True)
        with path(bucket, key).open("wb") as out:
            while part := file.read(UPLOAD_PART_BYTES):
                out.write(part)
        file.close()  # as upload_fileobj does

    # The table holds exactly the delta: ReconcileLoad asks for the delta's keys in its order,
    # so the answer is read alongside from the delta, holding one batch.
    delta = path(BUCKET, delta_key)
    table_rows: Iterator[Any] = (
        records_of(delta.open(newline=""), datasets.dataset(DATASET))
        if delta.is_file()
        else iter(())
    )

    def batch_get_records(table: str, keys: list[tuple], spec: Any) -> dict[tuple, Any]:
        wanted, found = set(keys), {}
        for record in table_rows if wanted else ():
            if record.key in wanted:
                found[record.key] = record
                if len(found) == len(wanted):
                    break
        return found

    replaced = {
        "open_object": open_object,
        "get_object": get_object,
        "head_object": head_object,
        "put_object": put_object,
        "copy_object": copy_object,
        "upload_file": upload_file,
        "batch_get_records": batch_get_records,
        "send_messages": lambda queue_url, bodies: None,
        "make_visible": lambda queue_url, handles: None,
        "delete_messages": lambda queue_url, handles: None,
        "put_events": lambda entries: [],
    }
    for name, function in replaced.items():
        setattr(aws, name, function)


def child_main(task: str, args: list[str]) -> dict[str, Any]:
    """One step of the county run on the objects under args[0]; its summary."""
    folder, step, run_date, url = Path(args[0]), args[1], args[2], args[3]
    from covid_etl import keys
    from covid_etl.settings import Settings
    from covid_etl.steps import (
        commit_snapshot,
        extract_source,
        plan_load,
        publish_changes,
        queue_failures,
        reconcile_load,
        transform_sources,
        validate_source,
    )

    _aws_outside(folder, keys.delta(RUN_ID))
    settings = Settings(BUCKET, "daily", "runs", "retry", "dlq", "topic", counties_table="counties")
    extract = {"source": "nyt", "url": url, "http_status": 200}
    ready_mb = rss_now_kb() / 1024
    runs = {
        "extract_source": lambda: extract_source.extract_source(
            settings, RUN_ID, "nyt", url, DATASET
        ),
        "validate_source": lambda: validate_source.validate_source(
            settings, RUN_ID, run_date, "nyt", extract, DATASET
        ),
        "transform_sources": lambda: transform_sources.transform_sources(
            settings, RUN_ID, {}, DATASET
        ),
        "plan_load": lambda: plan_load.plan_load(settings, RUN_ID, run_date, False, DATASET),
        "reconcile_load": lambda: reconcile_load.reconcile_load(
            settings, RUN_ID, keys.delta(RUN_ID), keys.failures(RUN_ID), DATASET
        ),
        "queue_failures": lambda: queue_failures.queue_failures(settings, RUN_ID, DATASET),
        "commit_snapshot": lambda: commit_snapshot.commit_snapshot(settings, RUN_ID, DATASET),
        "publish_changes": lambda: publish_changes.publish_changes(
            settings, RUN_ID, _first_items(folder / BUCKET / keys.changes(RUN_ID)), DATASET
        ),
    }
    summary = runs[step]()
    return {"rss_ready_mb": ready_mb, **{k: v for k, v in summary.items() if k in COUNTED}}


def _first_items(changes: Path, count: int = BATCH_ITEMS) -> list[dict[str, Any]]:
    """The first items of the changes array (one ItemBatcher batch), read from its start."""
    decoder, items = json.JSONDecoder(), []
    with changes.open() as file:
        text, at = file.read(1024 * 1024), 1  # past the "["
    while len(items) < count and text[at : at + 1] not in ("", "]"):
        item, at = decoder.raw_decode(text, at)
        items.append(item)
        at += 1  # past the ","
    return items


def run(configured_memory_mb: int) -> dict[str, Any]:
    """Each scenario's steps in turn, each in a fresh process; the largest peak against the
    configured memory."""
    from covid_etl import aws, keys

    scenarios: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as generated:
        source, snapshot, run_date = generate(Path(generated), STEPS_DAYS)
        file_mb = source.stat().st_size / 1024 / 1024
        handler = partial(_QuietFiles, directory=generated)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/{source.name}"
        try:
            for scenario in SCENARIOS:
                with tempfile.TemporaryDirectory() as folder:
                    objects = Path(folder) / BUCKET
                    # What the load job leaves: no failure (the table holds the delta).
                    failures = objects / keys.failures(RUN_ID)
                    failures.parent.mkdir(parents=True)
                    failures.write_text("date,fips,county,state,cases,deaths,error\n")
                    if scenario == "daily":
                        (objects / keys.snapshot("counties")).parent.mkdir(parents=True)
                        shutil.copyfile(snapshot, objects / keys.snapshot("counties"))
                    scenarios[scenario] = {}
                    for step in STEPS:
                        child = run_child("lambda-step", folder, step, run_date.isoformat(), url)
                        scenarios[scenario][step] = {
                            "peak_rss_mb": child.peak_rss_mb,
                            **child.output,
                        }
        finally:
            server.shutdown()
            server.server_close()
    peak = max(s["peak_rss_mb"] for steps in scenarios.values() for s in steps.values())
    return {
        "rows": COUNTIES * STEPS_DAYS,
        "file_mb": file_mb,
        "scenarios": scenarios,
        "peak_rss_mb": peak,
        "configured_memory_mb": configured_memory_mb,
        "peak_share_of_configured": peak / configured_memory_mb,
        "upload_parts_in_memory_mb": aws.UPLOAD_PARTS_IN_MEMORY * UPLOAD_PART_BYTES / 1024**2,
    }


class _QuietFiles(SimpleHTTPRequestHandler):
    """The generated folder over HTTP (the upstream ExtractSource downloads from), unlogged."""

    def log_message(self, *_: object) -> None:
        pass
