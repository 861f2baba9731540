"""bench's goals object and growth plot: the issue's keys, the limits applied, one line a series."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import __main__ as bench_main
from bench.plot import growth_svg

SPEED = {"time_ratio_pandas_over_library": 0.25, "rss_ratio_pandas_over_library": 4.0}
SCALE = {"time_ratio_library_over_pyarrow_read": 40.0, "library": {"peak_rss_mb": 900.0}}


def test_the_goals_are_exactly_the_issues_and_wait_for_the_cold_start_figure() -> None:
    goals = bench_main.goals(SPEED, {}, SCALE)
    assert (
        set(goals)
        == set(bench_main.GOALS)
        == {
            "transform_time_vs_pandas",
            "transform_rss_vs_pandas",
            "county_time_vs_pyarrow",
            "county_peak_rss_mb",
            "handler_import_vs_boto3",
        }
    )
    assert goals["transform_time_vs_pandas"] == 4.0 and goals["handler_import_vs_boto3"] is None
    assert (
        bench_main.goals(SPEED, {"handler_import_vs_boto3": 1.2}, SCALE)["handler_import_vs_boto3"]
        == 1.2
    )


def test_the_goals_table_says_which_are_met() -> None:
    goals = bench_main.goals(SPEED, {"handler_import_vs_boto3": 1.2}, SCALE)
    lines = bench_main.goals_table({"goals": goals}).splitlines()
    met = {line.split()[0]: line.split()[-1] for line in lines[2:]}
    assert met == {
        "transform_time_vs_pandas": "no",
        "transform_rss_vs_pandas": "yes",
        "county_time_vs_pyarrow": "no",
        "county_peak_rss_mb": "no",
        "handler_import_vs_boto3": "yes",
    }


def test_the_plot_draws_both_series_through_every_size() -> None:
    growth = [
        {"rows": rows, "library_seconds": rows / 1e4, "library_peak_rss_mb": rows / 1e3,
         "pyarrow_seconds": rows / 1e6, "pyarrow_peak_rss_mb": 50 + rows / 1e4}
        for rows in (10_000, 100_000, 1_000_000, 2_500_000)
    ]  # fmt: skip
    svg = growth_svg(growth)
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 4 and all(len(points.split()) == 4 for points in lines)
    assert "2,500,000" in svg


def test_one_benchmark_rerun_alone_replaces_its_figures_and_the_goals_they_give(
    tmp_path: Path,
) -> None:
    output = tmp_path / "results.json"
    cold = {"handler_import_vs_boto3": 1.2}
    output.write_text(json.dumps({"transform": SPEED, "cold_start": cold, "scale": SCALE}))
    faster = {"time_ratio_pandas_over_library": 2.5, "rss_ratio_pandas_over_library": 4.0}
    results = bench_main.replace_figures(output, "transform", faster)
    assert json.loads(output.read_text()) == results
    assert results["transform"] == faster and results["cold_start"] == cold
    assert results["goals"]["transform_time_vs_pandas"] == 0.4
