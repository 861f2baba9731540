"""``etl export``'s formats: the loaded days of a date window as CSV, JSON or Parquet.

Parquet is written by the load job's own ``to_parquet`` (glue/load_job.py), so an export
has the processed zone's types (date32, int64 counts), not a second copy of them; it
leaves out the zone's ``loaded_at``, a load's own time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from covid_etl.records import RECORD_FIELDS, DailyRecord
from etl_tools.local.moto_bridge import load_job_module

FORMATS = ("csv", "json", "parquet")


def in_window(records: Iterable[DailyRecord], start: date | None, end: date | None) -> list:
    return [
        r for r in records if (start is None or r.date >= start) and (end is None or r.date <= end)
    ]


def to_csv(records: list[DailyRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECORD_FIELDS)
    for record in records:
        writer.writerow(record.as_row().values())
    return out.getvalue()


def render(records: list[DailyRecord], output_format: str) -> str | bytes:
    """The records, by date, in ``output_format`` (one of FORMATS): text, or bytes for Parquet."""
    if output_format == "json":
        rows = [{**asdict(r), "date": r.date.isoformat()} for r in records]  # counts as numbers
        return json.dumps(rows) + "\n"
    if output_format == "parquet":
        return load_job_module().to_parquet(to_csv(records), loaded_at=None)
    return to_csv(records)
