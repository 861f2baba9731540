"""Benchmark 4: scale. A synthetic input shaped like the NYT county series, 2.5 million rows.

The file (date,county,state,fips,cases,deaths; one row per county per day, cumulative counts)
is generated deterministically, with the snapshot the pipeline would hold the day before (every
earlier row, one in a thousand with an older, lower count: revised upstream today).

What is measured, each in its own process (time and peak RSS):
- library: covid_etl's row path as far as it applies to this shape. The library's own
  ``decode``, ``csv_records`` (one strict csv.reader pass) and ``_parse_row`` (ISO date, no future
  date, non-negative integer counts) on every row, with a ``SourceSpec`` for the county shape;
  duplicates and the diff keyed on (date, fips) instead of date, the same dict algorithm as
  ``plan_delta`` (new / revised / unchanged); the snapshot parsed from its CSV like
  ``records_from_csv``. ``validate`` itself keys duplicates on the date alone (one row per day
  nationally), so it cannot take this file as is. No join: the county series has no second
  source.
- pyarrow: ``pyarrow.csv.read_csv`` of the same file, nothing else: the floor any Python
  pipeline pays just to read it; on one thread (the ratio: the library's path is
  single-threaded) and on all cores, median of a few reads.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.measure import rss_now_kb, run_child, timed
from covid_etl.sources import SourceSpec, _parse_row, csv_records, decode

COUNTIES = 3_200
DAYS = 782  # 3,200 x 782 = 2,502,400 rows
FIRST_DAY = date(2020, 1, 21)
REVISED_EVERY = 1_000  # one snapshot row in a thousand differs from today's file
HEADER = "date,county,state,fips,cases,deaths"
COUNTY_SPEC = SourceSpec(
    name="nyt_counties",
    title="NYT us-counties.csv shape (synthetic)",
    date_column="date",
    counts={"cases": "cases", "deaths": "deaths"},
)
KEY_COLUMN = "fips"
PYARROW_REPETITIONS = 3  # a read is short: the median of a few; the library's path runs once

# Lambda's limits and how it sizes CPU: one full vCPU at 1,769 MB, proportionally less below.
LAMBDA_TIMEOUT_SECONDS = 900
LAMBDA_MAX_MEMORY_MB = 10_240
LAMBDA_FULL_VCPU_MB = 1_769


def generate(folder: Path) -> tuple[Path, Path, date]:
    """Write counties.csv and snapshot.csv into folder; return their paths and the run date."""
    source, snapshot = folder / "counties.csv", folder / "snapshot.csv"
    cases = [0] * COUNTIES
    deaths = [0] * COUNTIES
    names = [f"County {c:04d}" for c in range(COUNTIES)]
    states = [f"State {c % 50:02d}" for c in range(COUNTIES)]
    fips = [f"{c % 50 + 1:02d}{c // 50 + 1:03d}" for c in range(COUNTIES)]
    row_number = 0
    with source.open("w") as out, snapshot.open("w") as known:
        out.write(HEADER + "\n")
        known.write("date,fips,cases,deaths\n")
        for d in range(DAYS):
            day = (FIRST_DAY + timedelta(days=d)).isoformat()
            lines, snapshot_lines = [], []
            for c in range(COUNTIES):
                mix = (c * 2_654_435_761 + d * 40_503) & 0xFFFFFFFF
                cases[c] += mix % 97
                deaths[c] += int((mix >> 8) % 3 == 0)
                lines.append(f"{day},{names[c]},{states[c]},{fips[c]},{cases[c]},{deaths[c]}\n")
                row_number += 1
                if d < DAYS - 1:
                    older = cases[c] - (row_number % REVISED_EVERY == 0)
                    snapshot_lines.append(f"{day},{fips[c]},{older},{deaths[c]}\n")
            out.write("".join(lines))
            known.write("".join(snapshot_lines))
    return source, snapshot, FIRST_DAY + timedelta(days=DAYS - 1)


def library_counties(data: bytes, snapshot_csv: bytes, run_date: date) -> dict[str, int]:
    """Parse, clean and diff the county file with the library's row functions."""
    spec = COUNTY_SPEC
    records = csv_records(decode(spec.name, data))
    header = [name.strip() for name in next(records).fields or []]
    column = {name: header.index(name) for name in (*spec.required_columns, KEY_COLUMN)}
    staged: dict[tuple[date, str], tuple[int, ...]] = {}
    rejected = 0
    for record in records:
        fields = record.fields
        if not record.text.strip():
            continue
        if fields is None or len(fields) != len(header):
            rejected += 1
            continue
        row, reason = _parse_row(spec, fields, column, run_date)
        key = (row.date, fields[column[KEY_COLUMN]].strip()) if row else None
        if row is None or reason or key in staged:
            rejected += 1
            continue
        staged[key] = (row.values["cases"], row.values["deaths"])

    known: dict[tuple[date, str], tuple[int, ...]] = {}
    reader = csv.reader(io.StringIO(snapshot_csv.decode()))
    next(reader)
    for day, key, cases, deaths in reader:
        known[(date.fromisoformat(day), key)] = (int(cases), int(deaths))

    new = revised = unchanged = 0
    for key, values in staged.items():
        before = known.get(key)
        if before is None:
            new += 1
        elif before != values:
            revised += 1
        else:
            unchanged += 1
    return {
        "rows": len(staged),
        "rejected": rejected,
        "new": new,
        "revised": revised,
        "unchanged": unchanged,
    }


def child_main(task: str, args: list[str]) -> dict[str, Any]:
    source = Path(args[0])
    if task == "scale-pyarrow-read":
        import pyarrow.csv  # never in a Lambda: the bench measures it as the alternative

        options = pyarrow.csv.ReadOptions(use_threads=args[1] == "threads")
        ready_mb = rss_now_kb() / 1024
        rows = []
        seconds = statistics.median(
            timed(lambda: rows.append(pyarrow.csv.read_csv(source, read_options=options).num_rows))
            for _ in range(PYARROW_REPETITIONS)
        )
        return {"seconds": seconds, "rss_ready_mb": ready_mb, "rows": rows[0]}
    snapshot, run_date = Path(args[1]), date.fromisoformat(args[2])
    ready_mb = rss_now_kb() / 1024
    counts: dict[str, int] = {}

    def work() -> None:
        counts.update(library_counties(source.read_bytes(), snapshot.read_bytes(), run_date))

    return {"seconds": timed(work), "rss_ready_mb": ready_mb, **counts}


def lambda_fit(seconds: float, peak_mb: float, configured_mb: int) -> dict[str, Any]:
    """Would a single-threaded step taking ``seconds`` here with ``peak_mb`` fit in Lambda?

    Lambda gives CPU in proportion to memory (a full vCPU at 1,769 MB): below that a
    single-threaded step runs slower by that ratio (assuming one of this machine's cores is
    about one Lambda vCPU).
    """
    needed_mb = min(LAMBDA_MAX_MEMORY_MB, max(128, math.ceil(peak_mb / 64) * 64))

    def seconds_at(memory_mb: int) -> float:
        return seconds * max(1.0, LAMBDA_FULL_VCPU_MB / memory_mb)

    return {
        "configured_memory_mb": configured_mb,
        "fits_configured_memory": peak_mb <= configured_mb,
        "seconds_at_configured_memory": seconds_at(configured_mb),
        "memory_needed_mb": needed_mb,
        "fits_max_memory": peak_mb <= LAMBDA_MAX_MEMORY_MB,
        "seconds_at_needed_memory": seconds_at(needed_mb),
        "fits_timeout_at_needed_memory": seconds_at(needed_mb) <= LAMBDA_TIMEOUT_SECONDS,
        "timeout_seconds": LAMBDA_TIMEOUT_SECONDS,
    }


def run(configured_memory_mb: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        source, snapshot, run_date = generate(Path(folder))
        generate_seconds = time.perf_counter() - start
        library = run_child("scale-library", str(source), str(snapshot), run_date.isoformat())
        arrow = {
            threads: run_child("scale-pyarrow-read", str(source), threads)
            for threads in ("one-thread", "threads")
        }
        file_mb = source.stat().st_size / 1024 / 1024
    out = library.output
    return {
        "rows": COUNTIES * DAYS,
        "file_mb": file_mb,
        "generate_seconds": generate_seconds,
        "library": {
            "seconds": out["seconds"],
            "peak_rss_mb": library.peak_rss_mb,
            "rss_before_mb": out["rss_ready_mb"],
            "diff": {k: out[k] for k in ("rows", "rejected", "new", "revised", "unchanged")},
        },
        "pyarrow_read": {
            threads: {
                "seconds": child.output["seconds"],
                "peak_rss_mb": child.peak_rss_mb,
                "rows": child.output["rows"],
            }
            for threads, child in arrow.items()
        },
        "time_ratio_library_over_pyarrow_read": out["seconds"]
        / arrow["one-thread"].output["seconds"],
        "lambda": lambda_fit(out["seconds"], library.peak_rss_mb, configured_memory_mb),
    }
