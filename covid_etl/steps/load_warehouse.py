"""LoadWarehouse (not a state): on RunCompleted, the run's Parquet object into the warehouse's
table ``daily`` (Redshift Serverless, through the Data API), its status recorded on the run, a
failure emailed to the status topic and raised (Lambda retries it, then the event goes to the
warehouse's queue). The SQL: covid_etl/warehouse.py."""

from __future__ import annotations

from time import monotonic, sleep
from typing import Any

from covid_etl import aws, warehouse
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings

# The RunCompleted event's detail (covid_etl/steps/announce_run.py), which the rule's target
# passes as the input (input_path $.detail); the loader reads the run id and the Parquet object.
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "parquet": {"type": "string", "pattern": "^s3://[^/]+/.+"},
        "status": {"type": "string"},
        "counts": {"type": "object"},
        "date_range": {"type": "object"},
        "record_changed": {"type": "object"},
    },
    required=["run_id", "parquet"],
)

POLL_SECONDS = 2
# Every statement must end within this budget, inside the function's 180 s timeout.
DEADLINE_SECONDS = 150
DONE = {"FINISHED", "FAILED", "ABORTED"}


class WarehouseLoadFailed(Exception):
    """A statement of the load failed, was aborted, or outlasted the deadline."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def run_statement(settings: Settings, sql: str, deadline: float) -> dict[str, Any]:
    """Submit one statement and poll it to its end; its description, or WarehouseLoadFailed."""
    statement_id = aws.execute_statement(
        settings.warehouse_workgroup, settings.warehouse_database, sql
    )
    while (described := aws.describe_statement(statement_id))["status"] not in DONE:
        if monotonic() > deadline:
            raise WarehouseLoadFailed(f"statement {statement_id} still running at the deadline")
        sleep(POLL_SECONDS)
    if described["status"] != "FINISHED":
        verb = sql.split(" ", 1)[0]
        raise WarehouseLoadFailed(
            f"{verb} {described['status']} (statement {statement_id}): {described['error']}"
        )
    return {"id": statement_id, **described}


def load_warehouse(settings: Settings, run_id: str, parquet: str, **_detail: Any) -> dict:
    """Run the load's statements in order; the COPY's row count is the rows loaded. Any failure
    (a refused object key included) is recorded on the run, emailed, and raised."""
    aws.update_run(settings.runs_table, run_id, {"warehouse": {"status": "LOADING"}})
    statements: list[str] = []
    done: list[dict[str, Any]] = []
    try:
        bucket, key = split_s3_uri(parquet)
        if bucket != settings.data_bucket:
            raise warehouse.UnsafeLoad(f"{parquet} is not in the data bucket")
        statements = warehouse.load_statements(
            bucket, key, settings.warehouse_copy_role_arn, run_id
        )
        deadline = monotonic() + DEADLINE_SECONDS
        for sql in statements:
            done.append(run_statement(settings, sql, deadline))
    except Exception as exc:
        failed = {"status": "FAILED", "error": str(exc), "statements_done": len(done)}
        aws.update_run(settings.runs_table, run_id, {"warehouse": failed})
        aws.publish(
            settings.status_topic_arn,
            f"[covid-etl] warehouse load FAILED: run {run_id}",
            f"Loading {parquet} into {settings.warehouse_workgroup}/"
            f"{settings.warehouse_database}.{warehouse.TABLE} failed after "
            f"{len(done)} of {len(statements)} statements:\n{exc}\n\n"
            "The table changes only in the MERGE, which is atomic, and a load can run again: "
            "Lambda retries it, then keeps the event in the warehouse queue "
            "(docs/operations.md#a-failed-warehouse-load).\n",
        )
        raise
    copied = next(d for d, sql in zip(done, statements, strict=True) if sql.startswith("COPY "))
    loaded = {"status": "LOADED", "table": warehouse.TABLE, "rows": copied["rows"]}
    aws.update_run(settings.runs_table, run_id, {"warehouse": loaded})
    return loaded
