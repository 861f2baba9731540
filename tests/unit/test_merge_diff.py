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
    Row,
    UnsortedStream,
    diff,
    diff_source,
    read_rows,
    rows_of,
    write_rows,
)
from covid_etl.sources import NYT, SourceRow, validate_stream

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


SOURCE_HEADER = "date,county,state,fips,cases,deaths"


TODAY = date(2021, 1, 5)


def snapshot_of(*rows: Row) -> list[Row]:
    return sorted(rows)


def classify_by_parsing(data: bytes, snapshot: list[Row]) -> tuple:
    """The same file through validate_stream, rows_of and diff: every line parsed."""
    validated = validate_stream(NYT, io.BytesIO(data), run_date=TODAY, spec=COUNTIES.sources[NYT])
    kinds = list(diff(COUNTIES, rows_of(COUNTIES, validated.rows), snapshot))
    return kinds, validated


def test_a_line_identical_to_a_snapshot_row_is_unchanged_without_being_parsed() -> None:
    snapshot = snapshot_of(
        ("2021-01-01", "01001", "Autauga", "Alabama", "5", "1"),
        ("2021-01-01", "01003", "Baldwin", "Alabama", "7", "0"),
        ("2021-01-01", "Alabama/Unknown", "Unknown", "Alabama", "2", "0"),
        ("2021-01-02", "01001", "Autauga", "Alabama", "6", "1"),
        ("2021-01-02", "01003", "Baldwin", "Alabama", "8", "0"),
    )
    lines = [
        SOURCE_HEADER,
        "2021-01-01,Baldwin,Alabama,01003,7,0",  # known, but a date's first row is parsed
        "2021-01-01,Autauga,Alabama,01001,5,1",  # known
        "2021-01-01,Unknown,Alabama,,2,0",  # known: a blank FIPS is printed blank
        "2021-01-02,Autauga,Alabama,01001,6,1",  # parsed (first of its date)
        "2021-01-02,Baldwin,Alabama,01003,9,0",  # revised
        "2021-01-02,Baldwin,Alabama,01003,9,0",  # its identical duplicate
        "2021-01-02,Autauga,Alabama,01001,6,1",  # a known line repeating line 5
        "2021-01-03,Autauga,Alabama,01001,7,1",  # new
    ]
    data = "\n".join(lines).encode() + b"\n"
    validated, classified = diff_source(COUNTIES, io.BytesIO(data), snapshot, run_date=TODAY)
    changes = list(classified)
    assert validated.known == 2  # lines 3 and 4
    parsed_kinds, parsed = classify_by_parsing(data, snapshot)
    assert [c for c in changes if c[0] != UNCHANGED] == [
        c for c in parsed_kinds if c[0] != UNCHANGED
    ]
    assert [(kind, row[1]) for kind, row in changes if kind != UNCHANGED] == [
        (REVISED, "01003"),
        (NEW, "01001"),
    ]
    assert validated.valid == parsed.valid == 6 and validated.rejects == parsed.rejects
    assert [(r.line_number, r.reason) for r in validated.rejects] == [
        (7, "identical duplicate of line 6 (collapsed)"),
        (8, "identical duplicate of line 5 (collapsed)"),
    ]


@pytest.mark.parametrize(
    ("known", "line", "kind", "reason"),
    [
        # A snapshot value its line would not give back: the line is parsed, never trusted.
        (("007", "Autauga"), "2021-01-02,Autauga,Alabama,01001,007,1", REVISED, None),
        ((" 7", "Autauga"), "2021-01-02,Autauga,Alabama,01001, 7,1", REVISED, None),
        (("7", " Autauga"), "2021-01-02, Autauga,Alabama,01001,7,1", REVISED, None),
        (("7", "Autauga, AL"), '2021-01-02,"Autauga, AL",Alabama,01001,7,1', UNCHANGED, None),
        # Loaded under a higher limit: today's limit rejects it.
        (("50", "Autauga"), "2021-01-02,Autauga,Alabama,01001,50,1", None, "cases 50 out of range"),
    ],
)
def test_a_snapshot_row_is_trusted_only_when_its_line_provably_parses_back_to_it(
    known: tuple[str, str], line: str, kind: str | None, reason: str | None
) -> None:
    cases, county = known
    snapshot = snapshot_of(
        ("2021-01-02", "01000", "First", "Alabama", "1", "0"),
        ("2021-01-02", "01001", county, "Alabama", cases, "1"),
    )
    data = f"{SOURCE_HEADER}\n2021-01-02,First,Alabama,01000,1,0\n{line}\n".encode()
    validated, classified = diff_source(
        COUNTIES, io.BytesIO(data), snapshot, run_date=TODAY, max_count=10
    )
    changes = [(k, row[1]) for k, row in classified]
    assert validated.known == 0
    assert changes == [(UNCHANGED, "01000"), *([(kind, "01001")] if kind else [])]
    if reason is None:
        assert validated.rejects == []
    else:
        [reject] = validated.rejects
        assert (reject.line_number, reject.reason[: len(reason)]) == (3, reason)


def test_an_unsorted_snapshot_fails_the_diff_of_a_source() -> None:
    snapshot = [
        ("2021-01-02", "01001", "A", "S", "1", "0"),
        ("2021-01-01", "01001", "A", "S", "1", "0"),
    ]
    data = f"{SOURCE_HEADER}\n2021-01-02,A,S,01001,1,0\n".encode()
    _, classified = diff_source(COUNTIES, io.BytesIO(data), snapshot, run_date=TODAY)
    with pytest.raises(UnsortedStream, match="the snapshot is not sorted by key"):
        list(classified)


def test_a_lower_value_than_the_snapshots_is_a_revision_to_the_lower_value() -> None:
    """A cumulative count that goes down upstream is a correction, not an error: validation
    keeps the row (tests/unit/test_sources.py::test_decreasing_cumulative_values_are_kept) and
    the diff stages it as a revision carrying the lower value, which the load then writes."""
    held = ("2021-06-03", "53033", "King", "Washington", "1000", "5")
    lowered = ("2021-06-03", "53033", "King", "Washington", "990", "5")
    assert list(diff(COUNTIES, [lowered], [held])) == [(REVISED, lowered)]
