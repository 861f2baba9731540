"""covid_etl.sources.validate_stream: a date-sorted file validated one date at a time."""

from __future__ import annotations

import io
from datetime import date

import pytest

from covid_etl.datasets import DATASETS, US_COUNTIES
from covid_etl.sources import JHU, NYT, SourceUnusable, validate, validate_stream

TODAY = date(2021, 1, 5)
SPEC = DATASETS[US_COUNTIES].sources[NYT]
HEADER = "date,county,state,fips,cases,deaths"


class LineByLine(io.RawIOBase):
    """A stream that hands out one line per read and fails if read past ``readable_lines``."""

    def __init__(self, lines: list[str], readable_lines: int):
        self.lines = [line.encode() for line in lines]
        self.readable_lines = readable_lines
        self.read_lines = 0

    def readable(self) -> bool:
        return True

    def read(self, _size: int = -1) -> bytes:
        if self.read_lines == len(self.lines):
            return b""
        assert self.read_lines < self.readable_lines, "read past the date being validated"
        self.read_lines += 1
        return self.lines[self.read_lines - 1]


def county_lines(days: int) -> list[str]:
    return [f"{HEADER}\n"] + [
        f"2021-01-0{d},County {c},State,0100{c},{d * 10 + c},0\n"
        for d in range(1, days + 1)
        for c in (3, 1, 2)
    ]


def test_the_rows_of_a_date_come_out_before_the_next_dates_are_read() -> None:
    # The header, day 1's three rows and day 2's first row (which ends day 1); nothing after.
    stream = LineByLine(county_lines(days=4), readable_lines=5)
    rows = validate_stream(NYT, stream, run_date=TODAY, spec=SPEC).rows
    day_one = [next(rows) for _ in range(3)]
    assert [(r.date.day, r.labels["fips"]) for r in day_one] == [
        (1, "01001"),
        (1, "01002"),
        (1, "01003"),
    ]
    assert stream.read_lines == 5


def test_a_streamed_file_gives_the_rows_and_rejects_of_validate() -> None:
    lines = [
        *county_lines(days=2)[:4],
        "2021-01-01,County 1,State,01001,11,0\n",  # an identical duplicate, later in its day
        "2021-01-01,Unknown,State,,5,0\n",
        "2021-01-02,County 1,State,01001,x,0\n",
        *county_lines(days=2)[4:],
        "2021-01-02,County 2,State,01002,99,0\n",  # conflicts with the row before it
    ]
    whole = validate(NYT, "".join(lines).encode(), run_date=TODAY, spec=SPEC)
    streamed = validate_stream(NYT, io.BytesIO("".join(lines).encode()), run_date=TODAY, spec=SPEC)
    assert list(streamed.rows) == whole.rows and streamed.valid == len(whole.rows) == 6
    assert streamed.rejects == whole.rejects
    assert [r.line_number for r in streamed.rejects] == [5, 7, 10, 11]
    assert streamed.extracted == whole.extracted == 10


def test_a_date_going_backwards_fails_the_stream_with_the_line() -> None:
    lines = [*county_lines(days=2), "2021-01-01,County 9,State,01009,1,0\n"]
    streamed = validate_stream(NYT, io.BytesIO("".join(lines).encode()), run_date=TODAY, spec=SPEC)
    with pytest.raises(SourceUnusable) as refused:
        list(streamed.rows)
    assert str(refused.value) == (
        "source nyt: not sorted by date: line 8 (2021-01-01) comes after 2021-01-02; "
        "a streamed source must be sorted by date"
    )


JHU_HEADER = "Date,Country/Region,Province/State,Lat,Long,Confirmed,Recovered,Deaths"


def test_lines_skipped_unparsed_are_counted_and_misshapen_ones_still_rejected() -> None:
    """JHU lines without "US" skip the parse only when they are provably well-formed."""
    rows = (
        "2020-05-01,France,,46,2,1,1,1",  # skipped unparsed: out of scope
        "2020-05-01,France,,46,2,1,1",  # a field short: parsed, rejected
        '2020-05-01,"France",,46,2,1,1,1',  # a quote: parsed, out of scope
        '2020-05-01,"Korea,\nSouth",,1,1,1,1,1',  # a record over two lines: parsed
        "2020-05-01,US,,40,-100,1,7,1",
        "2020-05-02,France,,46,2,1,1,1",
        "2020-05-02,US,,40,-100,1,x,1",
    )
    result = validate(JHU, "\n".join((JHU_HEADER, *rows)).encode(), run_date=TODAY)
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (3, "wrong field count: expected 8, got 7"),
        (9, "non-integer Recovered 'x'"),
    ]
    assert result.out_of_scope == 4 and [r.values for r in result.rows] == [{"recovered": 7}]
