"""The warehouse load's SQL (covid_etl/warehouse.py): what it runs, in which order, and that no
input reaches it unquoted or unchecked."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest

from covid_etl import keys, warehouse
from glue.load_job import to_parquet

ROLE = "arn:aws:iam::123456789012:role/covid-etl-dev-warehouse-copy"
KEY = keys.processed("2020-06-01", "run-1")


def statements(key: str = KEY, role: str = ROLE, run_id: str = "run-1") -> list[str]:
    return warehouse.load_statements("covid-etl-dev-data-123456789012", key, role, run_id)


def test_copy_then_merge_into_daily_from_a_staging_table_of_the_run() -> None:
    stage = f'"{warehouse.staging_table("run-1")}"'
    create, drop_old, create_stage, copy, drop_stale, merge, drop = statements()
    assert create.startswith('CREATE TABLE IF NOT EXISTS "daily" ("date" DATE NOT NULL,')
    assert drop_old == f"DROP TABLE IF EXISTS {stage}"
    assert create_stage == f'CREATE TABLE {stage} (LIKE "daily")'
    assert copy == (
        f"COPY {stage} FROM 's3://covid-etl-dev-data-123456789012/{KEY}' "
        f"IAM_ROLE '{ROLE}' FORMAT AS PARQUET"
    )
    assert drop_stale.startswith(f'DELETE FROM {stage} USING "daily"')
    assert f'"daily"."loaded_at" > {stage}."loaded_at"' in drop_stale
    assert merge.startswith(f'MERGE INTO "daily" USING {stage} ON "daily"."date" = {stage}."date"')
    assert f'UPDATE SET "cases" = {stage}."cases"' in merge
    assert "WHEN NOT MATCHED THEN INSERT VALUES" in merge
    assert drop == f"DROP TABLE {stage}"


def test_the_table_has_the_processed_zones_columns_in_file_order() -> None:
    """COPY from Parquet maps columns by position: the table's order is the file's."""
    written = pq.read_schema(io.BytesIO(to_parquet("date,cases,deaths,recovered\n", "t")))
    assert [name for name, _ in warehouse.COLUMNS] == written.names


def test_each_run_stages_apart_and_a_run_id_never_reaches_the_sql() -> None:
    hostile = 'r"; DROP TABLE daily; --'
    assert warehouse.staging_table("run-1") != warehouse.staging_table("run-2")
    assert all(hostile not in sql for sql in statements(run_id=hostile))


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("daily", '"daily"'), ('we"ird', '"we""ird"'), ("Mixed Case", '"Mixed Case"')],
)
def test_identifiers_are_delimited_with_inner_quotes_doubled(name: str, quoted: str) -> None:
    assert warehouse.quote_identifier(name) == quoted


@pytest.mark.parametrize("name", ["", "a\0b", "x" * 128])
def test_an_identifier_redshift_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(warehouse.UnsafeLoad):
        warehouse.quote_identifier(name)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("s3://b/k", "'s3://b/k'"), ("it's", "'it''s'"), ("a\\'b", "'a\\\\''b'")],
)
def test_literals_double_quotes_and_backslashes(text: str, quoted: str) -> None:
    assert warehouse.quote_literal(text) == quoted


@pytest.mark.parametrize(
    "key",
    [
        "processed/load_date=2020-06-01/x' IAM_ROLE 'arn:aws:iam::1:role/evil.parquet",
        "processed/load_date=2020-06-01/run-1.parquet'; DROP TABLE daily; --",
        "raw/run-1/nyt.csv",
        "processed/load_date=2020-06-01/../../raw/x.parquet",
        "processed/",
        "processed/load_date=2020-06-01/run 1.parquet",
    ],
    ids=["quote-injection", "statement-injection", "other-zone", "dot-dot", "prefix", "space"],
)
def test_a_hostile_or_foreign_object_key_builds_no_sql(key: str) -> None:
    with pytest.raises(warehouse.UnsafeLoad, match="not a processed-zone Parquet key"):
        statements(key=key)


@pytest.mark.parametrize(
    ("bucket", "role"),
    [("Bad_Bucket'", ROLE), ("covid-etl-dev-data-1", "arn:aws:iam::1:role/x' --")],
    ids=["bucket", "role"],
)
def test_a_hostile_bucket_or_role_builds_no_sql(bucket: str, role: str) -> None:
    with pytest.raises(warehouse.UnsafeLoad):
        warehouse.load_statements(bucket, KEY, role, "run-1")
