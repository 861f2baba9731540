"""Every malformed variant of the shipped files, caught where its rule lives (covid_etl.sources,
and the join of the two sources in covid_etl.records): no bad value gets through, no good row is
lost, each reject keeps its line and reason, and an unusable source is refused whole.

The pipeline after the validation reads only the rows validate() kept (staged/<run>/<source>.csv),
so these checks are the row rules end to end; tests/e2e/test_malformed_sources.py proves on a few
variants that the quarantine reaches S3 and the email and that a refused source fails the run."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest
from conftest import JHU_BYTES, NYT_BYTES
from malformed_sources import FAIL_CASES, FINE_CASES, ROW_CASES, Case

from covid_etl.records import join_sources
from covid_etl.sources import JHU, NYT, SourceRow, SourceUnusable, validate

RUN_DATE = date(2026, 1, 1)  # after every day of the shipped files, before the "future" rows
SHIPPED = {NYT: NYT_BYTES, JHU: JHU_BYTES}


def row_key(row: SourceRow) -> tuple:
    return (row.date, tuple(sorted(row.values.items())))


@cache
def shipped_rows(source: str) -> frozenset[tuple]:
    """The rows of the unchanged file (parsing the 3.6 MB JHU file once, not per case)."""
    return frozenset(
        row_key(row) for row in validate(source, SHIPPED[source], run_date=RUN_DATE).rows
    )


@pytest.mark.parametrize("case", ROW_CASES + FINE_CASES, ids=lambda c: c.name)
def test_bad_rows_are_quarantined_and_no_good_row_is_lost(case: Case) -> None:
    result = validate(case.source, case.data, run_date=RUN_DATE)
    assert len(result.rejects) == case.rejected
    # What the email lists for each reject (covid_etl/steps/validate_source.py's samples).
    samples = [f"line {r.line_number}: {r.reason}" for r in result.rejects]
    if case.rejected:
        assert any(case.reason in sample for sample in samples), samples
    original = case.data.decode().split("\n")
    for reject in result.rejects:
        assert original[reject.line_number - 1].rstrip("\r") == reject.line
    # Nothing bad gets through: every kept row is a row of the shipped file, value for value.
    kept = {row_key(row) for row in result.rows}
    assert kept <= shipped_rows(case.source)
    # Nothing good is lost: a shipped row is missing only where its line was made bad.
    assert len(shipped_rows(case.source)) - len(result.rows) <= case.rejected


@pytest.mark.parametrize("case", FAIL_CASES, ids=lambda c: c.name)
def test_an_unusable_source_is_refused_whole_with_the_reason(case: Case) -> None:
    with pytest.raises(SourceUnusable) as refused:
        # The pipeline's order: each source validated, then the two joined.
        nyt = validate(NYT, case.nyt, run_date=RUN_DATE)
        jhu = validate(JHU, case.jhu, run_date=RUN_DATE)
        join_sources(nyt.rows, jhu.rows)
    assert case.reason in str(refused.value)


def test_there_are_at_least_30_malformed_variants() -> None:
    assert len(ROW_CASES) + len(FAIL_CASES) >= 30
