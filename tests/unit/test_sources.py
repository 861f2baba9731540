"""Parsing and validation of the two sources, by header name, with reasons."""

from __future__ import annotations

from datetime import date

import pytest

from covid_etl.sources import JHU, NYT, SourceUnusable, validate

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


def test_a_duplicate_date_keeps_the_first_row() -> None:
    data = b"date,cases,deaths\n2020-02-01,1,1\n2020-02-01,9,9\n"
    result = validate(NYT, data, run_date=TODAY)
    assert result.rows[0].values["cases"] == 1
    assert result.rejects[0].reason == "duplicate date 2020-02-01 (first on line 2)"


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
