"""``etl export``'s formats: a dataset's loaded records of a date window as CSV, JSON or Parquet,
in its export columns, sorted by its key (the date, then a county's FIPS).

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

from covid_etl.datasets import Dataset, Record
from covid_etl.records import US
from etl_tools.local.moto_bridge import load_job_module

FORMATS = ("csv", "json", "parquet")


def in_window(records: Iterable[Record], start: date | None, end: date | None) -> list:
    return [
        r for r in records if (start is None or r.date >= start) and (end is None or r.date <= end)
    ]


def to_csv(records: list[Record], spec: Dataset = US) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.export_columns)
    for record in sorted(records, key=lambda r: r.key):
        row = record.as_row()
        writer.writerow(row[name] for name in spec.export_columns)
    return out.getvalue()


def render(records: list[Record], output_format: str, spec: Dataset = US) -> str | bytes:
    """The records, by key, in ``output_format`` (one of FORMATS): text, or bytes for Parquet."""
    records = sorted(records, key=lambda r: r.key)
    if output_format == "json":
        rows = [  # counts as numbers
            {name: asdict(r)[name] for name in spec.export_columns} | {"date": r.date.isoformat()}
            for r in records
        ]
        return json.dumps(rows) + "\n"
    if output_format == "parquet":
        return load_job_module().to_parquet(to_csv(records, spec), loaded_at=None, spec=spec)
    return to_csv(records, spec)
