"""Benchmark 2: the extract-to-staged transform on the real files, covid_etl against pandas.

The job: validate both sources (parse by header, clean, quarantine bad rows), inner join on
date, diff against the snapshot of the previous day. Both implementations take the same bytes
(the raw files and the snapshot CSV) and return the same ``Outcome``.

Speed: both in this process, interleaved, medians of several repetitions. Memory: each in its
own fresh process (``bench.child transform <impl>``), peak RSS as the kernel counts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Any

from bench.measure import interleaved_medians, rss_now_kb, run_child, timed
from covid_etl.records import join_sources, plan_delta, stream_records, to_csv
from covid_etl.sources import JHU, NYT, validate
from etl_tools.local.sources_server import DEFAULT_FILES

IMPLEMENTATIONS = ("library", "pandas")


@dataclass(frozen=True)
class Outcome:
    records: list[tuple[str, int, int, int]]  # (ISO date, cases, deaths, recovered), by date
    new: list[str]
    revised: list[str]
    unchanged: int
    rejected: int
    out_of_scope: int


def library_transform(nyt: bytes, jhu: bytes, snapshot_csv: bytes, run_date: date) -> Outcome:
    """covid_etl's path, as the Validate<src>, TransformSources and PlanLoad states chain it."""
    nyt_rows = validate(NYT, nyt, run_date=run_date)
    jhu_rows = validate(JHU, jhu, run_date=run_date)
    joined = join_sources(nyt_rows.rows, jhu_rows.rows)
    plan = plan_delta(joined.records, stream_records(snapshot_csv), [])
    return Outcome(
        records=[(r.date.isoformat(), r.cases, r.deaths, r.recovered) for r in joined.records],
        new=[c.record.date.isoformat() for c in plan.changes if c.kind == "new"],
        revised=[c.record.date.isoformat() for c in plan.changes if c.kind == "revised"],
        unchanged=plan.unchanged,
        rejected=len(nyt_rows.rejects) + len(jhu_rows.rejects),
        out_of_scope=nyt_rows.out_of_scope + jhu_rows.out_of_scope,
    )


def implementation(name: str) -> Any:
    if name == "library":
        return library_transform
    # Imported only when asked for, so the library's child process never loads pandas.
    from bench.pandas_transform import pandas_transform

    return pandas_transform


@dataclass(frozen=True)
class Inputs:
    nyt: bytes
    jhu: bytes
    snapshot_csv: bytes
    run_date: date


def real_inputs() -> Inputs:
    """The shipped files, and a snapshot holding every joined day but the last: a daily run."""
    nyt, jhu = DEFAULT_FILES[NYT].read_bytes(), DEFAULT_FILES[JHU].read_bytes()
    run_date = date.today()
    nyt_rows = validate(NYT, nyt, run_date=run_date).rows
    joined = join_sources(nyt_rows, validate(JHU, jhu, run_date=run_date).rows).records
    return Inputs(nyt, jhu, to_csv(joined[:-1]), run_date)


def child_main(_task: str, args: list[str]) -> dict[str, Any]:
    """One run of one implementation in a fresh process (for its peak RSS)."""
    transform = implementation(args[0])
    inputs = real_inputs()
    ready_mb = rss_now_kb() / 1024
    seconds = timed(lambda: transform(inputs.nyt, inputs.jhu, inputs.snapshot_csv, inputs.run_date))
    return {"seconds": seconds, "rss_ready_mb": ready_mb}


def run(repetitions: int) -> dict[str, Any]:
    load_average = os.getloadavg()  # other work on the machine weighs on both alike, not nothing
    inputs = real_inputs()
    transforms = {name: implementation(name) for name in IMPLEMENTATIONS}
    outcomes = {
        name: transform(inputs.nyt, inputs.jhu, inputs.snapshot_csv, inputs.run_date)
        for name, transform in transforms.items()
    }
    if outcomes["library"] != outcomes["pandas"]:
        raise AssertionError("the pandas transform disagrees with the library on the real files")
    medians = interleaved_medians(
        {
            name: (
                lambda transform=transform: transform(
                    inputs.nyt, inputs.jhu, inputs.snapshot_csv, inputs.run_date
                )
            )
            for name, transform in transforms.items()
        },
        repetitions,
    )
    result: dict[str, Any] = {
        "input": {
            "nyt_bytes": len(inputs.nyt),
            "jhu_bytes": len(inputs.jhu),
            "joined_days": len(outcomes["library"].records),
            "new": len(outcomes["library"].new),
            "unchanged": outcomes["library"].unchanged,
        },
        "repetitions": repetitions,
        "load_average": list(load_average),
    }
    for name in IMPLEMENTATIONS:
        child = run_child("transform", name)
        result[name] = {
            "median_seconds": medians[name],
            "peak_rss_mb": child.peak_rss_mb,
            "rss_before_transform_mb": child.output["rss_ready_mb"],
        }
    result["time_ratio_pandas_over_library"] = medians["pandas"] / medians["library"]
    result["rss_ratio_pandas_over_library"] = (
        result["pandas"]["peak_rss_mb"] / result["library"]["peak_rss_mb"]
    )
    return result
