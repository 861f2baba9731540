"""Parsing and validation of the two sources, by header name, with reasons."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from covid_etl.sources import (
    JHU,
    NYT,
    SourceUnusable,
    rejects_csv,
    spreadsheet_safe,
    validate,
)

TODAY = date(2022, 5, 1)
JHU_HEADER = "Date,Country/Region,Province/State,Lat,Long,Confirmed,Recovered,Deaths"


def test_nyt_rows_become_typed_rows_sorted_by_date() -> None:
    result = validate(NYT, b"date,cases,deaths\n2020-01-22,1,0\n2020-01-21,1,0", run_date=TODAY)
    assert [(r.date, r.values) for r in result.rows] == [
        (date(2020, 1, 21), {"cases": 1, "deaths": 0}),
        (date(2020, 1, 22), {"cases": 1, "deaths": 0}),
    ]
    assert (result.extracted, result.rejects) == (2, [])


def test_columns_are_found_by_name_with_bom_crlf_and_extra_columns() -> None:
    data = "\ufeffdeaths,note,date,cases\r\n3,x,2020-03-01,40\r\n".encode()
    [row] = validate(NYT, data, run_date=TODAY).rows
    assert row.values == {"cases": 40, "deaths": 3} and row.date == date(2020, 3, 1)


def test_jhu_keeps_the_us_national_rows_only_and_counts_the_others() -> None:
    rows = (
        "2020-05-01,US,,40,-100,1,7,1",
        '2020-05-01,"Korea, South",,35.9,127.7,1,2,1',
        "2020-05-01,US,Guam,1,1,1,3,1",
    )
    data = "\n".join((JHU_HEADER, *rows)).encode()
    result = validate(JHU, data, run_date=TODAY)
    assert [r.values for r in result.rows] == [{"recovered": 7}]
    assert result.out_of_scope == 2 and result.extracted == 1


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2020-13-01,1,1", "impossible date '2020-13-01'"),
        ("01/03/2020,1,1", "unparseable date '01/03/2020' (expected YYYY-MM-DD)"),
        ("2020-03-01,1.0,1", "non-integer cases '1.0'"),
        ("2020-03-01,1,-1", "negative deaths -1"),
        ("2020-03-01,,1", "missing cases"),
        ("2020-03-01,1,1,1", "wrong field count: expected 3, got 4"),
        ("2023-01-01,1,1", "date 2023-01-01 is in the future (run date 2022-05-01)"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_reason(line: str, reason: str) -> None:
    data = f"date,cases,deaths\n2020-02-01,1,1\n{line}\n2020-02-02,2,2\n".encode()
    result = validate(NYT, data, run_date=TODAY)
    [reject] = result.rejects
    assert (reject.line_number, reject.line, reject.reason) == (3, line, reason)
    assert len(result.rows) == 2 and result.extracted == 3


def test_conflicting_duplicates_quarantine_the_day() -> None:
    data = b"date,cases,deaths\n2020-02-01,1,1\n2020-02-01,9,9\n2020-02-02,2,2\n"
    result = validate(NYT, data, run_date=TODAY)
    assert [r.date for r in result.rows] == [date(2020, 2, 2)]
    reason = "conflicting duplicates of 2020-02-01 on lines 2, 3: day quarantined"
    assert [(r.line_number, r.reason) for r in result.rejects] == [(2, reason), (3, reason)]
    assert result.extracted == 3


def test_a_day_repeated_many_times_has_a_short_reason() -> None:
    rows = "".join(f"2020-02-01,{n},1\n" for n in range(10_000))
    result = validate(NYT, f"date,cases,deaths\n{rows}2020-02-02,1,1\n".encode(), run_date=TODAY)
    reason = "conflicting duplicates of 2020-02-01 on lines 2, 3, 4, 5, 6 and 9,995 more"
    assert {r.reason for r in result.rejects} == {f"{reason}: day quarantined"}
    assert len(result.rejects) == 10_000


def test_identical_duplicates_collapse_into_the_first_with_a_note() -> None:
    data = b"date,cases,deaths\n2020-02-01,1,1\n2020-02-02,2,2\n2020-02-01,1,1\n"
    result = validate(NYT, data, run_date=TODAY)
    assert [(r.date, r.values["cases"]) for r in result.rows] == [
        (date(2020, 2, 1), 1),
        (date(2020, 2, 2), 2),
    ]
    [note] = result.rejects
    assert (note.line_number, note.reason) == (4, "identical duplicate of line 2 (collapsed)")
    assert result.extracted == 3


def test_a_quoted_field_may_hold_commas_and_newlines() -> None:
    data = b'date,note,cases,deaths\n2020-02-01,"a, b\nc",1,1\nx,y,1,1\n2020-02-02,"d\ne",2,2'
    result = validate(NYT, data, run_date=TODAY)
    assert [r.date for r in result.rows] == [date(2020, 2, 1), date(2020, 2, 2)]
    [reject] = result.rejects
    assert (reject.line_number, reject.reason) == (4, "unparseable date 'x' (expected YYYY-MM-DD)")


def test_a_stray_quote_costs_its_own_row_only() -> None:
    data = b'date,cases,deaths\n"2020-02-01,1,1\n2020-02-02,2,2\n2020-02-03,3,3\n'
    result = validate(NYT, data, run_date=TODAY)
    assert [r.date.day for r in result.rows] == [2, 3]
    [reject] = result.rejects
    assert (reject.line_number, reject.line) == (2, '"2020-02-01,1,1')
    assert reject.reason == "malformed CSV: unexpected end of data"


@pytest.mark.parametrize(
    ("count", "reason"),
    [
        ("9" * 5000, "cases 9999999999"),  # int() refuses > 4300 digits: one row, not the run
        ("1" * 20, "cases 11111111111111111111 out of range (0 to 1,000,000,000)"),  # > int64
        ("1" * 40, "cases 1111111111"),
        ("1000000001", "cases 1000000001 out of range (0 to 1,000,000,000)"),
    ],
)
def test_a_count_out_of_range_is_a_rejected_row(count: str, reason: str) -> None:
    data = f"date,cases,deaths\n2020-02-01,{count},1\n2020-02-02,2,2\n".encode()
    result = validate(NYT, data, run_date=TODAY)
    [reject] = result.rejects
    assert reject.reason.startswith(reason) and "out of range" in reject.reason
    assert len(reject.reason) < 200 and reject.line == f"2020-02-01,{count},1"
    assert [r.values["cases"] for r in result.rows] == [2]


def test_the_plausible_range_is_configurable_and_never_above_int64() -> None:
    data = b"date,cases,deaths\n2020-02-01,50,1\n2020-02-02,2,2\n"
    [reject] = validate(NYT, data, run_date=TODAY, max_count=10).rejects
    assert reject.reason == "cases 50 out of range (0 to 10)"
    big = f"date,cases,deaths\n2020-02-01,{2**63},1\n2020-02-02,{2**63 - 1},2\n".encode()
    result = validate(NYT, big, run_date=TODAY, max_count=10**30)
    assert [r.values["cases"] for r in result.rows] == [2**63 - 1]
    assert result.rejects[0].reason.endswith(f"out of range (0 to {2**63 - 1:,})")


def test_a_huge_value_is_quoted_short_in_the_reason_and_whole_in_the_reject() -> None:
    value = "x" * 100_000
    data = f"date,cases,deaths\n2020-02-01,{value},1\n2020-02-02,2,2\n".encode()
    [reject] = validate(NYT, data, run_date=TODAY).rejects
    assert reject.reason == f"non-integer cases '{'x' * 60}... (100,000 characters)'"
    assert reject.line == f"2020-02-01,{value},1"


def test_a_header_of_a_million_columns_is_not_called_truncated() -> None:
    header = ",".join(["date", "cases", "deaths"] + [f"c{i}" for i in range(1_000_000)])
    with pytest.raises(SourceUnusable) as raised:
        validate(NYT, f"{header}\n2020-02-01,1,1".encode(), run_date=TODAY)
    assert str(raised.value) == (
        "source nyt: the header has 1,000,003 columns (at most 1,000 expected): "
        "not a NYT us.csv file"
    )


def test_a_huge_header_is_quoted_short_in_the_error() -> None:
    header = "date,cases," + "x" * 100_000
    with pytest.raises(SourceUnusable) as raised:
        validate(NYT, f"{header}\n2020-02-01,1,1\n".encode(), run_date=TODAY)
    assert str(raised.value).startswith("source nyt: missing required column(s) deaths")
    assert len(str(raised.value)) < 400


def test_decreasing_cumulative_values_are_kept() -> None:
    data = b"date,cases,deaths\n2021-06-03,100,5\n2021-06-04,90,4\n"
    assert len(validate(NYT, data, run_date=TODAY).rows) == 2


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"date,cases,deaths\n", "no data rows (header only)"),
        (b"date,cases\n2020-01-01,1\n", "missing required column(s) deaths"),
        (b"<!DOCTYPE html><html>404</html>", "got an HTML page instead of CSV"),
        (b"date,cases,deaths\n2020-01-01,1,1\n2020-01-02,1", "truncated: the last line (3)"),
        (b"date,cases,deaths\n2020-01-01,\xff,1\n", "not UTF-8: byte 0xff at offset 29"),
        (b"date,cases,deaths\nx,1,1\n", "no valid rows: all 1 rejected"),
    ],
)
def test_an_unusable_source_raises_with_the_source_and_the_problem(
    data: bytes, problem: str
) -> None:
    with pytest.raises(SourceUnusable) as raised:
        validate(NYT, data, run_date=TODAY)
    assert str(raised.value).startswith(f"source nyt: {problem}")


def test_jhu_without_us_rows_is_unusable() -> None:
    with pytest.raises(SourceUnusable, match="no rows in scope"):
        validate(JHU, f"{JHU_HEADER}\n2020-05-01,France,,1,1,1,1,1\n".encode(), run_date=TODAY)


def test_rejects_file_cells_cannot_run_as_spreadsheet_formulas() -> None:
    data = b'date,cases,deaths\n=HYPERLINK("http://x"),1,1\n@SUM(A1),1,1\n2020-02-01,1,1\n'
    rejects = validate(NYT, data, run_date=TODAY).rejects
    rows = list(csv.reader(io.StringIO(rejects_csv(rejects).decode())))
    assert [row[2] for row in rows[1:]] == ['\'=HYPERLINK("http://x"),1,1', "'@SUM(A1),1,1"]
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert [spreadsheet_safe(c) for c in ("-1", "+1", "\tx", "\rx", "ok")] == [
        "'-1",
        "'+1",
        "'\tx",
        "'\rx",
        "ok",
    ]


def test_many_stray_quotes_cost_one_row_each() -> None:
    rows = "".join(f'"2020-01-{d:02d},1,1\n2020-02-{d:02d},{d},1\n' for d in range(1, 29))
    result = validate(NYT, f"date,cases,deaths\n{rows}".encode(), run_date=TODAY)
    assert [r.date.day for r in result.rows] == list(range(1, 29))
    assert [r.line_number for r in result.rejects] == list(range(2, 58, 2))
    # The first stray quote runs to the next one (line 4): reported on line 2, then line by line.
    assert result.rejects[0].reason == "malformed CSV: ',' expected after '\"'"
    assert {r.reason for r in result.rejects[1:]} == {"malformed CSV: unexpected end of data"}
