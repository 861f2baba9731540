"""Benchmark 4: scale. A synthetic input shaped like the NYT county series, 10 k to 2.5 M rows.

The file (date,county,state,fips,cases,deaths; one row per county per day, cumulative counts,
one "Unknown" county without a FIPS code per state) is generated deterministically, with the
snapshot the pipeline would hold the day before (every earlier row, sorted by key, one in a
thousand with an older, lower count: revised upstream today).

The snapshot's known lines (covid_etl.known_lines) are written in the set-up, stamped with the
snapshot's ETag (its MD5, what S3 reports for it): what the pipeline stored beside it
yesterday; today's work is what is timed.

What is measured, each in its own process (time and peak RSS), at each size of GROWTH_DAYS:
- library: the ``us-counties`` dataset through the library's own functions, nothing
  re-implemented here: ``diff_source`` reads the file as it streams and the known lines a
  date at a time beside it: a date whose lines are beyond doubt is diffed by set operations
  on its lines, its changed lines parsed; the new date (and any doubtful one, and the rest
  after it) goes through ``validate_stream`` with the dataset's source spec (one csv.reader
  pass, the row rules, duplicates keyed on (date, fips)); the changed rows written by
  ``write_rows``: memory holds a day's rows, not the file.
- pyarrow: ``pyarrow.csv.read_csv`` of the same file, nothing else: the floor any Python
  pipeline pays just to read it; on one thread (the ratio: the library's path is
  single-threaded), median of a few reads; at the largest size on all cores too.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.measure import rss_now_kb, run_child, timed
from covid_etl import known_lines
from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.merge_diff import UNCHANGED, Row, diff_source, read_rows, write_rows

COUNTIES = 3_200  # 50 states x 64, the last of each state "Unknown" (no FIPS code)
GROWTH_DAYS = (3, 32, 157, 391, 782)  # x 3,200: 9,600 to 2,502,400 rows
FIRST_DAY = date(2020, 1, 21)
REVISED_EVERY = 1_000  # one snapshot row in a thousand differs from today's file
HEADER = "date,county,state,fips,cases,deaths"
PYARROW_REPETITIONS = 3  # a read is short: the median of a few; the library's path runs once
# The 2.5 M-row case ran past bench.measure's 10 minutes on the shared 2-core machine, loaded.
LIBRARY_TIMEOUT_SECONDS = 3_600

# Lambda's limits and how it sizes CPU: one full vCPU at 1,769 MB, proportionally less below.
LAMBDA_TIMEOUT_SECONDS = 900
LAMBDA_MAX_MEMORY_MB = 10_240
LAMBDA_FULL_VCPU_MB = 1_769


def generate(folder: Path, days: int) -> tuple[Path, Path, date]:
    """Write counties.csv and snapshot.csv into folder; return their paths and the run date."""
    source, snapshot = folder / "counties.csv", folder / "snapshot.csv"
    cases = [0] * COUNTIES
    deaths = [0] * COUNTIES
    unknown = [c // 50 == 63 for c in range(COUNTIES)]
    names = ["Unknown" if unknown[c] else f"County {c:04d}" for c in range(COUNTIES)]
    states = [f"State {c % 50:02d}" for c in range(COUNTIES)]
    fips = ["" if unknown[c] else f"{c % 50 + 1:02d}{c // 50 + 1:03d}" for c in range(COUNTIES)]
    keys = [fips[c] or f"{states[c]}/{names[c]}" for c in range(COUNTIES)]
    by_key = sorted(range(COUNTIES), key=keys.__getitem__)
    row_number = 0
    with source.open("w") as out, snapshot.open("w") as known:
        out.write(HEADER + "\n")
        known.write(",".join(DATASETS[US_COUNTIES].columns) + "\n")
        for d in range(days):
            day = (FIRST_DAY + timedelta(days=d)).isoformat()
            lines, older = [], {}
            for c in range(COUNTIES):
                mix = (c * 2_654_435_761 + d * 40_503) & 0xFFFFFFFF
                cases[c] += mix % 97
                deaths[c] += int((mix >> 8) % 3 == 0)
                lines.append(f"{day},{names[c]},{states[c]},{fips[c]},{cases[c]},{deaths[c]}\n")
                row_number += 1
                older[c] = cases[c] - (row_number % REVISED_EVERY == 0)
            out.write("".join(lines))
            if d < days - 1:
                known.write(
                    "".join(
                        f"{day},{keys[c]},{names[c]},{states[c]},{older[c]},{deaths[c]}\n"
                        for c in by_key
                    )
                )
    return source, snapshot, FIRST_DAY + timedelta(days=days - 1)


def write_known_lines(snapshot: Path, index: Path) -> str:
    """Write the snapshot's known lines to ``index`` (the set-up); the snapshot's ETag."""
    counties = DATASETS[US_COUNTIES]
    stamp = known_lines.etag(snapshot.read_bytes())
    with snapshot.open(newline="") as rows, index.open("wb") as out:
        known_lines.write(counties, read_rows(counties, rows), out, stamp=stamp)
    return stamp


def library_counties(
    source: Path, snapshot: Path, index: Path, stamp: str, delta: Path, run_date: date
) -> dict[str, int]:
    """Validate the county file and diff it against the snapshot (its known lines ``index``,
    written for the snapshot of ETag ``stamp``), writing the changed rows."""
    counties = DATASETS[US_COUNTIES]
    kinds: Counter[str] = Counter()

    def changed(classified: Iterator[tuple[str, Row]]) -> Iterator[Row]:
        for kind, row in classified:
            kinds[kind] += 1
            if kind != UNCHANGED:
                yield row

    with (
        source.open("rb") as data,
        snapshot.open(newline="") as known,
        index.open("rb") as lines,
        delta.open("w", newline="") as out,
    ):
        validated, classified = diff_source(
            counties,
            data,
            read_rows(counties, known),
            run_date=run_date,
            known_lines=lines,
            snapshot_stamp=stamp,
        )
        write_rows(counties, changed(classified), out)
    kinds[UNCHANGED] += validated.known
    return {
        "rows": validated.valid,
        "rejected": len(validated.rejects),
        **{kind: kinds[kind] for kind in ("new", "revised", "unchanged")},
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
    snapshot, index, stamp, delta = Path(args[1]), Path(args[2]), args[3], Path(args[4])
    run_date = date.fromisoformat(args[5])
    ready_mb = rss_now_kb() / 1024
    counts: dict[str, int] = {}

    def work() -> None:
        counts.update(library_counties(source, snapshot, index, stamp, delta, run_date))

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


def measure(days: int, all_cores: bool) -> dict[str, Any]:
    """The library and pyarrow's read at one size, each in its own process."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        source, snapshot, run_date = generate(Path(folder), days)
        generate_seconds = time.perf_counter() - start
        index = Path(folder) / "snapshot.known-lines"
        start = time.perf_counter()
        stamp = write_known_lines(snapshot, index)
        index_seconds = time.perf_counter() - start
        delta = Path(folder) / "delta.csv"
        library = run_child(
            "scale-library",
            *(str(source), str(snapshot), str(index), stamp, str(delta), run_date.isoformat()),
            timeout_seconds=LIBRARY_TIMEOUT_SECONDS,
        )
        arrow = {
            threads: run_child("scale-pyarrow-read", str(source), threads)
            for threads in ("one-thread", "threads")[: 2 if all_cores else 1]
        }
        file_mb = source.stat().st_size / 1024 / 1024
    out = library.output
    return {
        "rows": COUNTIES * days,
        "file_mb": file_mb,
        "generate_seconds": generate_seconds,
        "known_lines_seconds": index_seconds,  # the set-up: yesterday's CommitSnapshot's work
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
    }


def run(configured_memory_mb: int) -> dict[str, Any]:
    """The largest size in full (and what it means for Lambda), every size in ``growth``."""
    *smaller, largest = GROWTH_DAYS
    growth = [measure(days, all_cores=False) for days in smaller]
    result = measure(largest, all_cores=True)
    growth.append(result)
    library = result["library"]
    return {
        **result,
        "lambda": lambda_fit(library["seconds"], library["peak_rss_mb"], configured_memory_mb),
        "growth": [
            {
                "rows": size["rows"],
                "file_mb": size["file_mb"],
                "library_seconds": size["library"]["seconds"],
                "library_peak_rss_mb": size["library"]["peak_rss_mb"],
                "pyarrow_seconds": size["pyarrow_read"]["one-thread"]["seconds"],
                "pyarrow_peak_rss_mb": size["pyarrow_read"]["one-thread"]["peak_rss_mb"],
            }
            for size in growth
        ],
    }
