"""``etl query "SQL"``: SQL over the local processed zone, answered as CSV with a header.

DuckDB (embedded, in memory) reads the Parquet files the Glue job wrote to ``processed/`` in the
state dir's committed store, laid out as in the bucket, and sees the tables Athena has over the
same prefix (infra/modules/analytics):

- ``processed``: every load's staged days, with the partition column ``load_date`` (text);
- ``daily``: each day's current value, one row per day, by the one definition both engines run
  (covid_etl/sql/daily.sql).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from importlib import resources
from pathlib import Path

from etl_tools.command import add_command
from etl_tools.local.state_store import StateDirError, StateStore

PROCESSED_PREFIX = "processed/"
BAD_SQL = 2  # the same status as any usage error


def daily_view_sql() -> str:
    """The body of the ``daily`` view, as Terraform's file() reads it for Athena."""
    return (resources.files("covid_etl") / "sql" / "daily.sql").read_text()


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "query",
        cmd_query,
        help="run SQL over the local processed zone (tables daily, processed); CSV on stdout",
        description="Run SQL with DuckDB over the Parquet files of the local processed zone. "
        "Tables: daily (date, cases, deaths, recovered: each day's current value, as `etl "
        "export`) and processed (every load's rows, with load_date and loaded_at). Keep to the "
        "subset docs/sql.md lists and the same text runs on Athena.",
        epilog="exit status: 0 answered, 2 the SQL is refused (DuckDB's message), "
        "4 no local state or no Parquet in processed/ yet",
    )
    parser.add_argument("sql", metavar="SQL")


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb  # here, not at the top: every other etl command would pay 0.2 s for it

    with tempfile.TemporaryDirectory(prefix="etl-query-") as scratch:
        zone = Path(scratch)
        if not copy_processed_zone(args.state_dir, zone):
            raise StateDirError(
                f"no Parquet in the processed zone of {args.state_dir} yet: a run that loads "
                f"something writes it (`etl run --state-dir {args.state_dir}`)"
            )
        try:
            header, rows = run_query(zone, args.sql)
        except duckdb.Error as exc:
            print(f"etl query: error: {exc}", file=sys.stderr)
            return BAD_SQL
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return 0


def copy_processed_zone(state_dir: Path, zone: Path) -> int:
    """The committed ``processed/`` objects under ``zone``, keys kept; how many there are."""
    with StateStore.open(state_dir, writable=False, must_exist=True) as store:
        objects = store.load().s3
    parquet = {k: body for k, body in objects.items() if k.startswith(PROCESSED_PREFIX)}
    for key, body in parquet.items():
        path = zone / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return len(parquet)


def run_query(zone: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` against the tables over ``zone``; the column names and the rows."""
    import duckdb

    files = str(zone / PROCESSED_PREFIX / "*" / "*.parquet").replace("'", "''")
    connection = duckdb.connect(":memory:")
    try:
        # The Glue table's columns and types whatever the files hold (loaded_at is NULL in files
        # older than it); load_date as text, as the table's partition column.
        connection.execute(
            "CREATE VIEW processed AS SELECT * FROM (SELECT NULL::DATE AS date, "
            "NULL::BIGINT AS cases, NULL::BIGINT AS deaths, NULL::BIGINT AS recovered, "
            "NULL::VARCHAR AS loaded_at, NULL::VARCHAR AS load_date WHERE false) "
            f"UNION ALL BY NAME SELECT * FROM read_parquet('{files}', hive_partitioning = true, "
            "union_by_name = true, hive_types = {'load_date': 'VARCHAR'})"
        )
        connection.execute(f"CREATE VIEW daily AS {daily_view_sql()}")
        result = connection.execute(sql)
        if result.description is None:  # a statement with no result set
            return [], []
        return [column[0] for column in result.description], result.fetchall()
    finally:
        connection.close()
