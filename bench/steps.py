"""Benchmark 4b: the county case through the Lambda steps, not only the library.

ValidateSource, TransformSources and PlanLoad of the ``us-counties`` dataset run as the
functions run them (covid_etl.steps, the handlers' code), each in its own process as each
Lambda invocation is, on scale.generate's county file of STEPS_DAYS days (1 M+ rows). What is
measured is each step's peak RSS against the functions' configured memory: it must hold the
county case with room to spare. Nothing is timed here (speed is the scale benchmark's).

S3 is a folder (an object a file): the steps' objects are outside the measured process, as
they are outside a Lambda's memory; the steps reach them through covid_etl.aws, whose S3
functions the child replaces (the steps' unit tests do the same with an in-memory fake).
Two scenarios: ``daily`` (yesterday's snapshot: the delta is today's counties and the
revisions) and ``first load`` (no snapshot: every row is new, the delta is the whole file).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from bench.measure import rss_now_kb, run_child
from bench.scale import COUNTIES, generate

STEPS_DAYS = 313  # x 3,200 counties: 1,001,600 rows
STEPS = ("validate_source", "transform_sources", "plan_load")
SCENARIOS = ("daily", "first load")
RUN_ID = "bench-steps"
# The counts of a step's summary kept in the results.
COUNTED = ("valid", "rejected", "joined", "new", "revised", "unchanged", "delta")
BUCKET = "data"


def _s3_in(folder: Path) -> None:
    """covid_etl.aws's S3 functions on a folder: a key is a file under folder/bucket/."""
    from covid_etl import aws

    def path(bucket: str, key: str) -> Path:
        return folder / bucket / key

    def open_object(bucket: str, key: str) -> BinaryIO | None:
        return path(bucket, key).open("rb") if path(bucket, key).is_file() else None

    def get_object(bucket: str, key: str, max_bytes: int | None = None) -> bytes | None:
        return path(bucket, key).read_bytes() if path(bucket, key).is_file() else None

    def put_object(bucket: str, key: str, body: bytes, content_type: str = "text/csv") -> None:
        path(bucket, key).parent.mkdir(parents=True, exist_ok=True)
        path(bucket, key).write_bytes(body)

    def upload_file(bucket: str, key: str, file: BinaryIO, content_type: str = "text/csv") -> None:
        path(bucket, key).parent.mkdir(parents=True, exist_ok=True)
        with path(bucket, key).open("wb") as out, file:  # closed, as upload_fileobj does
            shutil.copyfileobj(file, out)

    for function in (open_object, get_object, put_object, upload_file):
        setattr(aws, function.__name__, function)


def child_main(task: str, args: list[str]) -> dict[str, Any]:
    """One step of the county run on the objects under args[0]; its summary."""
    folder, step, run_date = Path(args[0]), args[1], args[2]
    from covid_etl.settings import Settings
    from covid_etl.steps.plan_load import plan_load
    from covid_etl.steps.transform_sources import transform_sources
    from covid_etl.steps.validate_source import validate_source

    _s3_in(folder)
    settings = Settings(BUCKET, "daily", "runs", "retry", "dlq", "topic", counties_table="counties")
    extract = {"source": "nyt", "url": "file://counties.csv", "http_status": 200}
    ready_mb = rss_now_kb() / 1024
    runs = {
        "validate_source": lambda: validate_source(
            settings, RUN_ID, run_date, "nyt", extract, "us-counties"
        ),
        "transform_sources": lambda: transform_sources(settings, RUN_ID, {}, "us-counties"),
        "plan_load": lambda: plan_load(settings, RUN_ID, run_date, False, "us-counties"),
    }
    summary = runs[step]()
    return {"rss_ready_mb": ready_mb, **{k: v for k, v in summary.items() if k in COUNTED}}


def run(configured_memory_mb: int) -> dict[str, Any]:
    """Each scenario's steps in turn, each in a fresh process; the largest peak against the
    configured memory."""
    from covid_etl import keys

    scenarios: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as generated:
        source, snapshot, run_date = generate(Path(generated), STEPS_DAYS)
        file_mb = source.stat().st_size / 1024 / 1024
        for scenario in SCENARIOS:
            with tempfile.TemporaryDirectory() as folder:
                objects = Path(folder) / BUCKET
                (objects / keys.raw(RUN_ID, "nyt")).parent.mkdir(parents=True)
                shutil.copyfile(source, objects / keys.raw(RUN_ID, "nyt"))
                if scenario == "daily":
                    (objects / keys.snapshot("counties")).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(snapshot, objects / keys.snapshot("counties"))
                scenarios[scenario] = {}
                for step in STEPS:
                    child = run_child("lambda-step", folder, step, run_date.isoformat())
                    scenarios[scenario][step] = {"peak_rss_mb": child.peak_rss_mb, **child.output}
    peak = max(s["peak_rss_mb"] for steps in scenarios.values() for s in steps.values())
    return {
        "rows": COUNTIES * STEPS_DAYS,
        "file_mb": file_mb,
        "scenarios": scenarios,
        "peak_rss_mb": peak,
        "configured_memory_mb": configured_memory_mb,
        "peak_share_of_configured": peak / configured_memory_mb,
    }
