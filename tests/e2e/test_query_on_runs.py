"""`etl query` over the processed zone real runs wrote: `daily` is the loaded table."""

from __future__ import annotations

from pathlib import Path

import boto3
from conftest import Pipeline, revised_nyt

from etl_tools.query import PROCESSED_PREFIX, run_query


def processed_zone(pipeline: Pipeline, zone: Path) -> Path:
    """The bucket's processed/ objects under ``zone``, keys kept (as `etl query` lays them out)."""
    s3 = boto3.client("s3")
    bucket = pipeline.stack.settings.data_bucket
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=PROCESSED_PREFIX
    ):
        for obj in page.get("Contents", []):
            (zone / obj["Key"]).parent.mkdir(parents=True, exist_ok=True)
            (zone / obj["Key"]).write_bytes(
                s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            )
    return zone


def test_daily_is_the_loaded_table_after_a_revision_on_the_same_load_date(
    loaded: Pipeline, tmp_path: Path
) -> None:
    result = loaded.run(nyt=revised_nyt("2020-05-05", bump=3))
    assert result.run["counts"]["updated"] == 1
    zone = processed_zone(loaded, tmp_path)
    # Both loads ran today: one partition, two files, every day in both.
    [partition] = (zone / PROCESSED_PREFIX).iterdir()
    assert len(list(partition.iterdir())) >= 2
    header, daily = run_query(zone, "SELECT * FROM daily ORDER BY date")
    assert header == ["date", "cases", "deaths", "recovered"]
    assert daily == [(r.date, r.cases, r.deaths, r.recovered) for r in loaded.table()]
