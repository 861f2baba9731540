"""--as-of replays the sources day by day: each new day is one inserted row."""

from __future__ import annotations

from datetime import date

from conftest import Pipeline, independent_join

from covid_etl.accounting import invariant_violations


def test_one_day_later_inserts_one_row(pipeline: Pipeline) -> None:
    first = pipeline.run(as_of=date(2020, 10, 6))
    assert first.status == "SUCCEEDED"
    assert pipeline.table()[-1].date == date(2020, 10, 6)
    result = pipeline.run(as_of=date(2020, 10, 7))
    counts = result.run["counts"]
    assert result.status == "SUCCEEDED"
    assert (counts["new"], counts["inserted"], counts["updated"], counts["unchanged"]) == (
        1,
        1,
        0,
        len(pipeline.table()) - 1,
    )
    assert pipeline.table() == [r for r in independent_join() if r.date <= date(2020, 10, 7)]
    assert invariant_violations(counts) == []
