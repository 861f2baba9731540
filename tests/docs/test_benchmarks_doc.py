"""The benchmark tables (docs/benchmarks.md, the README's goals) are what bench/results.json
makes, not typed."""

from __future__ import annotations

import json

import pytest

from etl_tools import benchmarks_doc


def committed_table(document: str) -> str:
    _, _, rest = document.partition(benchmarks_doc.BEGIN)
    return rest.partition(benchmarks_doc.END)[0].strip("\n")


@pytest.mark.parametrize("path", benchmarks_doc.DOCUMENTS, ids=lambda p: p.name)
def test_the_committed_table_is_what_results_json_makes(path) -> None:
    assert committed_table(path.read_text()) == benchmarks_doc.current_table(path), (
        "run `python -m etl_tools.benchmarks_doc` and commit the table"
    )


def test_a_changed_figure_changes_the_table() -> None:
    results = json.loads(benchmarks_doc.RESULTS.read_text())
    results["writes"]["scenarios"][0]["items_written"] = 999_999
    assert "999,999" in benchmarks_doc.table(results)
    results["goals"]["county_peak_rss_mb"] = 888_888.0
    assert "888,888.00" in benchmarks_doc.goals(results)


def test_fill_replaces_only_the_text_between_the_markers() -> None:
    document = f"before\n{benchmarks_doc.BEGIN}\nold\n{benchmarks_doc.END}\nafter\n"
    assert benchmarks_doc.fill(document, "new") == (
        f"before\n{benchmarks_doc.BEGIN}\nnew\n{benchmarks_doc.END}\nafter\n"
    )
    with pytest.raises(benchmarks_doc.MarkersMissing):
        benchmarks_doc.fill("no markers here", "new")
