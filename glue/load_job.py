"""Glue Python-shell job: batch-write a run's staged delta into its dataset's DynamoDB table.

Arguments come the way Glue passes them (``--name value``); Glue's own extra arguments are
ignored. ``--dataset`` (default ``us``) names the dataset (covid_etl.datasets): its columns,
its key (the items' key attributes) and its table (``--<table>_table``: ``--daily_table``,
``--counties_table``). The record layout comes from covid_etl, the package the Lambdas use:
on AWS Glue installs the covid_etl wheel that --extra-py-files names (built by
etl_tools/packaging.py, uploaded by infra/modules/glue); locally the bridge runs this file
in-process, where covid_etl is the installed package. Python 3.9 (Glue's Python shell), boto3,
pyarrow and covid_etl's pure modules only.

- 25 items per BatchWriteItem; unprocessed items and throttling are retried with exponential
  backoff and jitter, up to --max_attempts.
- A batch DynamoDB refuses as a whole (one bad item fails all 25) is written item by item, so
  one poison record cannot take 24 good ones down with it.
- A row whose count is not an integer from 0 to int64's maximum is not written: it fails with
  its reason (the validator refuses such counts; this catches a record redriven by hand).
- What still fails is written to --failures_key (always written, header-only when all loaded):
  the pipeline reconciles against the table and queues those records for retry.
- The run's staged days (--daily_key) are written again as Parquet to --processed_key, each row
  with the run's ``loaded_at``: the SQL layer's "latest value per day" orders by it (run ids are
  not in time order on AWS, and two runs may share a load date).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import time
from datetime import datetime, timezone

import boto3
import pyarrow as pa  # Glue's Python shell ships it with the "analytics" library set
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

from covid_etl.datasets import DATASETS, DEFAULT, Dataset, dataset
from covid_etl.records import read_csv

BATCH_SIZE = 25
US = dataset(DEFAULT)
INT64_MAX = 2**63 - 1
THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, allow_abbrev=False)
    for name in ("run_id", "data_bucket", "delta_key", "failures_key"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--dataset", choices=list(DATASETS), default=DEFAULT)
    for table in sorted({spec.table for spec in DATASETS.values()}):
        parser.add_argument(f"--{table}_table", help=f"the table of the datasets kept in {table}")
    parser.add_argument("--daily_key", help="the run's staged days, written again as Parquet")
    parser.add_argument("--processed_key", help="where the Parquet file goes (processed/...)")
    parser.add_argument("--max_attempts", type=int, default=8)
    parser.add_argument("--base_delay_seconds", type=float, default=0.1)
    args, _glue_arguments = parser.parse_known_args(argv)
    return args


def out_of_range(row: dict[str, str], spec: Dataset = US) -> str | None:
    """Why a row cannot be stored (DynamoDB readers and Parquet hold int64), or None."""
    for name in spec.counts:
        text = row[name].strip()
        digits = text.isascii() and text.isdigit()
        if not digits or len(text.lstrip("0")) > len(str(INT64_MAX)) or int(text) > INT64_MAX:
            return f"{name} {text[:30]!r} is not a count from 0 to {INT64_MAX}"
    return None


def to_item(row: dict[str, str], run_id: str, loaded_at: str, spec: Dataset = US) -> dict:
    """The dataset's columns (counts as numbers, the rest as strings), the run and its time."""
    return {
        **{
            name: {"N": str(int(row[name]))} if name in spec.counts else {"S": row[name]}
            for name in spec.columns
        },
        "run_id": {"S": run_id},
        "loaded_at": {"S": loaded_at},
    }


def item_key(item: dict, spec: Dataset = US) -> str:
    """The key text of an item (its date, then its other key attributes, joined with "/")."""
    return spec.key_text({name: item[name]["S"] for name in spec.key})


def write_batches(
    dynamodb,
    table: str,
    items: list[dict],
    max_attempts: int,
    base_delay: float,
    spec: Dataset = US,
) -> dict[str, str]:
    """Write all items; return {key text: error} for those that could not be written."""
    failed: dict[str, str] = {}
    for start in range(0, len(items), BATCH_SIZE):
        pending = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_SIZE]]
        attempt = 0
        while pending:
            attempt += 1
            try:
                response = dynamodb.batch_write_item(RequestItems={table: pending})
                pending = response.get("UnprocessedItems", {}).get(table, [])
                reason = "unprocessed (throttled)"
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code not in THROTTLING:
                    failed.update(write_one_by_one(dynamodb, table, pending, spec))
                    break
                reason = f"{code}: {exc.response['Error'].get('Message', '')}"
            if pending and attempt >= max_attempts:
                for request in pending:
                    key = item_key(request["PutRequest"]["Item"], spec)
                    failed[key] = f"{reason} after {attempt} attempts"
                break
            if pending:
                time.sleep(random.uniform(0, base_delay * 2**attempt))
    return failed


def write_one_by_one(
    dynamodb, table: str, requests: list[dict], spec: Dataset = US
) -> dict[str, str]:
    failed = {}
    for request in requests:
        item = request["PutRequest"]["Item"]
        try:
            dynamodb.put_item(TableName=table, Item=item)
        except ClientError as exc:
            failed[item_key(item, spec)] = f"{exc.response['Error']['Code']}: {exc}"
    return failed


def to_parquet(daily_csv: str, loaded_at: str | None, spec: Dataset = US) -> bytes:
    """The staged rows as Parquet: dates as date32, counts as int64, labels (a county's FIPS,
    name and state) and loaded_at as text.

    ``loaded_at`` None leaves that column out: ``etl export --format parquet`` writes the
    table's columns with the processed zone's types, and has no load time of its own.
    """
    rows = read_csv(daily_csv.encode())
    columns: dict = {"date": [datetime.strptime(r["date"], "%Y-%m-%d").date() for r in rows]}
    fields = [("date", pa.date32())]
    for name in spec.columns[1:]:
        counted = name in spec.counts
        columns[name] = [int(r[name]) if counted else r[name] for r in rows]
        fields.append((name, pa.int64() if counted else pa.string()))
    if loaded_at is not None:
        columns["loaded_at"] = [loaded_at] * len(rows)
        fields.append(("loaded_at", pa.string()))
    table = pa.table(columns, schema=pa.schema(fields))
    out = pa.BufferOutputStream()
    pq.write_table(table, out)
    return out.getvalue().to_pybytes()


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    spec = dataset(args.dataset)
    table = getattr(args, f"{spec.table}_table")
    if not table:
        raise ValueError(f"--{spec.table}_table is required for dataset {spec.name}")
    s3 = boto3.client("s3")
    dynamodb = boto3.client("dynamodb")
    rows = read_csv(s3.get_object(Bucket=args.data_bucket, Key=args.delta_key)["Body"].read())
    loaded_at = datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: UP017 - Python 3.9 on Glue
    failed = {spec.key_text(row): reason for row in rows if (reason := out_of_range(row, spec))}
    items = [
        to_item(row, args.run_id, loaded_at, spec)
        for row in rows
        if spec.key_text(row) not in failed
    ]
    failed.update(
        write_batches(dynamodb, table, items, args.max_attempts, args.base_delay_seconds, spec)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*spec.columns, "error"])
    for row in rows:
        if spec.key_text(row) in failed:
            writer.writerow([*(row[name] for name in spec.columns), failed[spec.key_text(row)]])
    s3.put_object(
        Bucket=args.data_bucket,
        Key=args.failures_key,
        Body=out.getvalue().encode(),
        ContentType="text/csv",
    )
    if args.daily_key and args.processed_key:
        daily = s3.get_object(Bucket=args.data_bucket, Key=args.daily_key)["Body"].read()
        s3.put_object(
            Bucket=args.data_bucket,
            Key=args.processed_key,
            Body=to_parquet(daily.decode(), loaded_at, spec),
        )
    summary = {
        "run_id": args.run_id,
        "records": len(rows),
        "written": len(rows) - len(failed),
        "failed": len(failed),
    }
    return summary


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))  # Glue sends stdout to CloudWatch Logs
