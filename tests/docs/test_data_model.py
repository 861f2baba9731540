"""docs/data-model.md names exactly what the pipeline writes: a real run on the embedded AWS
leaves items, keys and messages whose names and types must match the doc's tables."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import NYT_BYTES, Pipeline, independent_join, revised_nyt

from covid_etl import aws
from etl_tools.local import state_store
from etl_tools.local.moto_bridge import LoadFaults
from etl_tools.local.runner import run_pipeline

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"
_CODE = re.compile(r"`([^`]+)`")
_PLACEHOLDER = re.compile(r"<[^>]+>")  # <run>, <source>: one path segment


def doc_table(heading: str) -> list[list[str]]:
    """The rows of the first table under this heading, each cell as its text."""
    section = DOC.read_text().split(f"{heading}\n", 1)[1]
    lines = next(b for b in section.split("\n\n") if b.startswith("|")).splitlines()
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def documented_attributes(heading: str) -> dict[str, str]:
    return {_CODE.fullmatch(name)[1]: kind for name, kind, _ in doc_table(heading)}


def documented_column(heading: str) -> set[str]:
    return {_CODE.match(row[0])[1] for row in doc_table(heading)}


def attribute_types(items: list[dict[str, Any]]) -> dict[str, str]:
    return {name: next(iter(value)) for item in items for name, value in item.items()}


def raw_items(table: str) -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return [item for page in pages for item in page["Items"]]


# The runs load the history to April (~70 days): what they write is the same as the full
# history's (~300 days), at a fraction of the time.
AS_OF = date(2020, 4, 1)


@pytest.fixture(scope="module")
def runs(pipeline: Pipeline) -> Pipeline:
    """A rebuild that rejects a row, a run that fails, a large revision approved at the gate
    (its task token answered as the API does) that queues a record, its undoing rejected, and
    a run of the us-counties dataset: each a real execution, so one run writes what it can."""
    # The Rebuild job's keys and a rejected row's, in the run that loads the history.
    bad_row = NYT_BYTES.rstrip(b"\n") + b"\n2020-02-30,1,1\n"
    assert pipeline.run(nyt=bad_row, as_of=AS_OF, rebuild=True).status == "SUCCEEDED"
    assert pipeline.run(as_of=AS_OF, raise_in={"transform_sources"}).status == "FAILED"
    # 20 of the loaded days revised: over the approval gate's default share (5 %).
    days = [r.date.isoformat() for r in independent_join() if r.date <= AS_OF][-20:]
    queued = LoadFaults(unprocessed_days={days[0]})  # one of the revised days
    revision = pipeline.run(nyt=revised_nyt(*days, bump=1000), as_of=AS_OF, load=queued)
    assert pipeline.answer(revision, approve=True).status == "SUCCEEDED"
    assert queued.held_days == {days[0]}
    undoing = pipeline.run(as_of=AS_OF)
    assert pipeline.answer(undoing, approve=False).status == "FAILED"
    pipeline.server.bodies = {**pipeline.server.bodies, "nyt": COUNTIES}
    county_run = {"dataset": "us-counties", "sources": {"nyt": pipeline.server.urls["nyt"]}}
    assert run_pipeline(pipeline.stack, trigger=county_run).status == "SUCCEEDED"
    return pipeline


COUNTIES = b"""date,county,state,fips,cases,deaths
2020-03-01,King,Washington,53033,10,1
2020-03-01,Unknown,Washington,,3,0
"""


def test_the_daily_item_is_as_documented(runs: Pipeline) -> None:
    items = raw_items(runs.stack.settings.daily_table)
    assert attribute_types(items) == documented_attributes("### The `daily` table")


def test_the_counties_item_is_as_documented(runs: Pipeline) -> None:
    items = raw_items(runs.stack.settings.counties_table)
    assert {i["fips"]["S"] for i in items} == {"53033", "Washington/Unknown"}
    assert attribute_types(items) == documented_attributes("### The `counties` table")


def test_a_run_record_is_as_documented(runs: Pipeline) -> None:
    records = [i for i in raw_items(runs.stack.settings.runs_table) if i["pk"]["S"] != "LOCK"]
    assert {r["status"]["S"] for r in records} == {"SUCCEEDED", "FAILED", "REJECTED"}
    assert attribute_types(records) == documented_attributes("#### A run record")


def test_the_lock_item_is_as_documented(runs: Pipeline) -> None:
    table = runs.stack.settings.runs_table
    aws.acquire_lock(table, "run-doc", "2020-01-01T00:00:00Z", now_epoch=0, lease_seconds=60)
    try:
        [lock] = [i for i in raw_items(table) if i["pk"]["S"] == aws.LOCK_KEY]
    finally:
        assert aws.release_lock(table, "run-doc")
    assert attribute_types([lock]) == documented_attributes("#### The lock item")


def test_every_key_in_the_bucket_is_documented_and_every_documented_key_is_written(
    runs: Pipeline,
) -> None:
    bucket = runs.stack.settings.data_bucket
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    patterns = documented_column("## S3: the data bucket")
    as_regex = {p: re.compile(_PLACEHOLDER.sub("[^/]+", re.escape(p))) for p in patterns}
    undocumented = [k for k in keys if not any(r.fullmatch(k) for r in as_regex.values())]
    assert undocumented == []
    # landing/ is written by a partner or `etl upload`, not by a run; local/paused/ only by a
    # local `etl run` that paused (tests/e2e/test_approval.py); events/ only when EventBridge
    # refuses events (tests/e2e/test_event_delivery.py).
    unwritten = {p for p, r in as_regex.items() if not any(r.fullmatch(k) for k in keys)}
    assert unwritten == {
        "landing/<source>/<file>",
        "local/paused/<run>.json",
        "events/<run>/unpublished-<batch>.json",
    }


def test_a_retry_message_is_as_documented(runs: Pipeline) -> None:
    [message] = runs.retry_queue()
    body = json.loads(message["body"])
    assert set(body) == documented_column("### A retry message")
    assert set(body["record"]) == {"date", "cases", "deaths", "recovered"}


def test_the_state_dir_layout_is_the_store_s() -> None:
    documented = {path.split("/")[0] for path in documented_column("## The local state dir")}
    store = {state_store.MARKER, state_store.LOCK, state_store.MANIFEST, state_store.OBJECTS}
    assert documented == store | set(state_store.OUTPUT_DIRS)
