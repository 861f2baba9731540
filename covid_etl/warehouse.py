"""The warehouse load's SQL (Redshift), built by pure functions: COPY a run's Parquet object from
the processed zone into a staging table, then MERGE it into the table ``daily``.

The processed zone holds each run's delta, so a load touches only the days of its run; loading
the same object twice leaves the same table (idempotent), and an older run's object, delivered
late, never overwrites a newer value (the staged row with an older ``loaded_at`` is dropped).
Each statement runs alone through the Data API (ExecuteStatement): the table changes only in the
MERGE, which is atomic, so a failure at any step leaves it as it was.

Nothing here trusts its input: identifiers and literals are quoted, and the object key must be a
processed-zone key (covid_etl.keys.processed), or the SQL is not built at all.
"""

from __future__ import annotations

import hashlib
import re

TABLE = "daily"
# The processed zone's Parquet columns, in file order (glue/load_job.py to_parquet): COPY from
# Parquet maps columns by position.
COLUMNS = (
    ("date", "DATE NOT NULL"),
    ("cases", "BIGINT"),
    ("deaths", "BIGINT"),
    ("recovered", "BIGINT"),
    ("loaded_at", "VARCHAR(40)"),
)
KEY_COLUMN = "date"

# covid_etl.keys.processed(run_date, run_id): processed/load_date=<YYYY-MM-DD>/<run id>.parquet
PROCESSED_KEY = re.compile(r"processed/load_date=\d{4}-\d{2}-\d{2}/[A-Za-z0-9._:-]+\.parquet")
# S3's bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63 characters).
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}")
MAX_IDENTIFIER_BYTES = 127  # Redshift's limit on a table or column name


class UnsafeLoad(ValueError):
    """An input the SQL will not be built from (a hostile or malformed object key, bucket or role)."""


def quote_identifier(name: str) -> str:
    """A Redshift delimited identifier: inner double quotes doubled; NUL and overlong refused."""
    if not name or "\0" in name or len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise UnsafeLoad(f"not a valid identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A Redshift string literal: Redshift reads a backslash as an escape, so both it and the
    single quote are doubled; NUL refused."""
    if "\0" in text:
        raise UnsafeLoad("a literal with a NUL character")
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def parquet_uri(bucket: str, key: str) -> str:
    """s3://bucket/key of a processed-zone object; anything else is refused (UnsafeLoad)."""
    if not BUCKET.fullmatch(bucket):
        raise UnsafeLoad(f"not an S3 bucket name: {bucket!r}")
    if not PROCESSED_KEY.fullmatch(key) or ".." in key:
        raise UnsafeLoad(f"not a processed-zone Parquet key: {key!r}")
    return f"s3://{bucket}/{key}"


def staging_table(run_id: str) -> str:
    """One staging table per run, so two loads at once never share one (a name from the run id's
    hash: a run id may hold characters an identifier should not)."""
    return f"{TABLE}_stage_{hashlib.sha256(run_id.encode()).hexdigest()[:16]}"


def load_statements(bucket: str, key: str, copy_role_arn: str, run_id: str) -> list[str]:
    """The statements of one load, in order (each run alone, each idempotent)."""
    if not ROLE_ARN.fullmatch(copy_role_arn):
        raise UnsafeLoad(f"not an IAM role ARN: {copy_role_arn!r}")
    uri = parquet_uri(bucket, key)
    table, stage = quote_identifier(TABLE), quote_identifier(staging_table(run_id))
    names = [quote_identifier(name) for name, _ in COLUMNS]
    definitions = ", ".join(
        f"{name} {kind}" for name, (_, kind) in zip(names, COLUMNS, strict=True)
    )
    date, loaded_at = quote_identifier(KEY_COLUMN), quote_identifier("loaded_at")
    values = [n for n in names if n != date]
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ({definitions}, PRIMARY KEY ({date}))",
        f"DROP TABLE IF EXISTS {stage}",
        f"CREATE TABLE {stage} (LIKE {table})",
        (
            f"COPY {stage} FROM {quote_literal(uri)} IAM_ROLE {quote_literal(copy_role_arn)} "
            "FORMAT AS PARQUET"
        ),
        # A late delivery of an older run: its days already hold newer values.
        (
            f"DELETE FROM {stage} USING {table} WHERE {stage}.{date} = {table}.{date} "
            f"AND {table}.{loaded_at} > {stage}.{loaded_at}"
        ),
        (
            f"MERGE INTO {table} USING {stage} ON {table}.{date} = {stage}.{date} "
            f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{n} = {stage}.{n}' for n in values)} "
            f"WHEN NOT MATCHED THEN INSERT VALUES ({', '.join(f'{stage}.{n}' for n in names)})"
        ),
        f"DROP TABLE {stage}",
    ]
