"""covid_etl.merge_diff: the diff against the snapshot as a merge of two sorted streams."""

from __future__ import annotations

import io
from datetime import date

import pytest

from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.merge_diff import (
    NEW,
    REVISED,
    UNCHANGED,
    UnsortedStream,
    diff,
    read_rows,
    rows_of,
    write_rows,
)
from covid_etl.sources import SourceRow

COUNTIES = DATASETS[US_COUNTIES]


def row(day: str, fips: str, cases: int) -> tuple[str, ...]:
    return (day, fips, "C", "S", str(cases), "0")


def test_each_staged_row_is_new_revised_or_unchanged() -> None:
    snapshot = [
        row("2021-01-01", "01001", 1),
        row("2021-01-01", "01003", 2),
        row("2021-01-02", "01001", 3),
    ]
    staged = [
        row("2021-01-01", "01001", 1),
        row("2021-01-01", "01002", 5),
        row("2021-01-01", "01003", 9),
        row("2021-01-03", "01001", 4),
    ]
    assert [kind for kind, _ in diff(COUNTIES, staged, snapshot)] == [UNCHANGED, NEW, REVISED, NEW]


def test_the_streams_are_consumed_lazily() -> None:
    """One row of each side at a time: the diff of a huge snapshot never holds it."""
    pulled = []

    def snapshot():
        for n in range(1_000_000):
            pulled.append(n)
            yield row("2021-01-01", f"{n:05d}", n)

    first = next(diff(COUNTIES, [row("2021-01-01", "00002", 2)], snapshot()))
    assert first == (UNCHANGED, row("2021-01-01", "00002", 2)) and len(pulled) == 3


@pytest.mark.parametrize("side", ["staged", "snapshot"])
def test_an_unsorted_stream_fails_instead_of_misclassifying(side: str) -> None:
    unsorted = [row("2021-01-02", "01001", 1), row("2021-01-01", "01001", 1)]
    later = [row("2021-01-03", "01001", 1)]
    staged, snapshot = (unsorted, []) if side == "staged" else (later, unsorted)
    with pytest.raises(UnsortedStream, match="not sorted by key"):
        list(diff(COUNTIES, staged, snapshot))


def test_validated_rows_become_staged_rows_keyed_by_fips_or_its_stand_in() -> None:
    rows = [
        SourceRow(
            date(2021, 1, 1),
            {"cases": 1, "deaths": 0},
            {"county": "Albany", "state": "New York", "fips": "36001"},
        ),
        SourceRow(
            date(2021, 1, 1),
            {"cases": 2, "deaths": 1},
            {"county": "Unknown", "state": "New York", "fips": ""},
        ),
    ]
    assert list(rows_of(COUNTIES, rows)) == [
        ("2021-01-01", "36001", "Albany", "New York", "1", "0"),
        ("2021-01-01", "New York/Unknown", "Unknown", "New York", "2", "1"),
    ]


def test_a_snapshot_file_is_read_by_its_header() -> None:
    text = "date,fips,county,state,cases,deaths\n2021-01-01,01001,A,B,1,0\n"
    assert list(read_rows(COUNTIES, io.StringIO(text))) == [
        ("2021-01-01", "01001", "A", "B", "1", "0")
    ]
    with pytest.raises(ValueError, match="not a us-counties file"):
        list(read_rows(COUNTIES, io.StringIO("date,cases,deaths,recovered\n")))


def test_written_rows_read_back_unchanged() -> None:
    rows = [("2021-01-01", "New York/Unknown", "Unknown", "New York", "2", "1")]
    out = io.StringIO()
    write_rows(COUNTIES, rows, out)
    assert list(read_rows(COUNTIES, io.StringIO(out.getvalue()))) == rows
