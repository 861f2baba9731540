"""JHU's out-of-scope lines skipped unparsed, a run of lines at a time: the skip must give exactly
what parsing every line gives (rows, rejects with their line numbers, the out-of-scope count)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from covid_etl import sources
from covid_etl.sources import JHU, CsvRecords, SourceUnusable, validate

TODAY = date(2025, 1, 1)  # after every generated date
JHU_HEADER = "Date,Country/Region,Province/State,Lat,Long,Confirmed,Recovered,Deaths"
US_ROW = "{day},US,,40,-100,{n},{n},{n}"
# Lines that the skip must not take for a skippable one, or must not take for a record start.
TRAPS = (
    US_ROW,
    "{day},US,Guam,13.4,144.8,{n},{n},{n}",  # "US" but a province: out of scope, parsed
    '{day},"Korea, South",,35.9,127.7,{n},{n},{n}',  # a quoted comma
    '{day},"Virgin Islands, US",,18.3,-64.9,{n},{n},{n}',
    # A record over three lines; its middle line reads like a US row and is not one.
    '{day},"Korea,\n{day},US,,40,-100,{n},{n},{n}\nSouth",,35.9,127.7,{n},{n},{n}',
    # Its middle line a line that would be skipped, were it a record start.
    '{day},"Korea,\n{day},France,,46.2,2.2,{n},{n},{n}\nSouth",,35.9,127.7,{n},{n},{n}',
    # Its first line with a plain line's seven commas.
    '{day},"Korea,,,,,,\n{day},US,,40,-100,{n},{n},{n}\nSouth",35.9,127.7,{n},{n},{n}',
    "{day},France,,46.2,2.2,{n},{n}",  # a field short: rejected
    "{day},France,,46.2,2.2,{n},{n},{n},{n}",  # a field too many: rejected
    "{day},France,,46.2\r,2.2,{n},{n},{n}",  # two lines (\r ends a line), seven commas
    "{day},Côte d'Ivoire,,7.5,-5.5,{n},{n},{n}",  # multi-byte characters across blocks
    "",
)
OTHER = "{day},France,,46.2,2.2,{n},{n},{n}"


def jhu_file(seed: int, lines: int, line_end: str = "\n", ending: str = "break") -> bytes:
    """A JHU file of mostly skippable lines with US rows and traps among them, at random."""
    pick = random.Random(seed)
    first = date(2020, 1, 22)
    body = [
        (pick.choice(TRAPS) if pick.random() < 0.15 else OTHER).format(
            day=first + timedelta(days=i), n=pick.randrange(10**6)
        )
        for i in range(lines)
    ]
    text = "\n".join([JHU_HEADER, *body]).replace("\n", line_end)
    # The last line: ended, not ended, or cut short (a truncated download).
    return {"break": text + line_end, "none": text, "cut": text[:-3]}[ending].encode()


def outcome(data: bytes) -> tuple[object, ...]:
    try:
        result = validate(JHU, data, run_date=TODAY)
    except SourceUnusable as exc:
        return ("unusable", str(exc))
    return (result.rows, result.rejects, result.out_of_scope)


def parsed_line_by_line(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[object, ...]:
    """The outcome with nothing skipped: every line goes to the csv reader."""
    with monkeypatch.context() as patch:
        patch.setattr(CsvRecords, "skip_unparsed", lambda self, text, width: None)
        return outcome(data)


@pytest.mark.parametrize("block_bytes", [16, 97, 1_000, 1 << 20])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_skip_keeps_every_in_scope_row_whatever_the_blocks(
    monkeypatch: pytest.MonkeyPatch, seed: int, block_bytes: int
) -> None:
    monkeypatch.setattr(sources, "BLOCK_BYTES", block_bytes)  # records split across blocks
    data = jhu_file(seed, 1_500)
    expected = parsed_line_by_line(monkeypatch, data)
    rows, rejects, out_of_scope = expected
    assert len(rows) > 10 and len(rejects) > 10 and out_of_scope > 1_000  # type: ignore[arg-type]
    assert outcome(data) == expected


@pytest.mark.parametrize("ending", ["break", "none", "cut"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_the_skip_agrees_with_the_parse_at_line_ends_and_the_file_end(
    monkeypatch: pytest.MonkeyPatch, line_end: str, ending: str
) -> None:
    monkeypatch.setattr(sources, "BLOCK_BYTES", 97)
    data = jhu_file(4, 300, line_end, ending)
    assert outcome(data) == parsed_line_by_line(monkeypatch, data)


def test_a_misshapen_line_amid_a_run_is_parsed_and_the_lines_around_it_skipped() -> None:
    other = [OTHER.format(day=date(2020, 2, d), n=d) for d in range(1, 21)]
    other[12] = "2020-02-13,France,,46.2,2.2,1,1"  # one comma short, no "US", no quote
    data = "\n".join([JHU_HEADER, *other, US_ROW.format(day="2020-03-01", n=5)]).encode()
    result = validate(JHU, data, run_date=TODAY)
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (14, "wrong field count: expected 8, got 7")
    ]
    assert result.out_of_scope == 19 and [r.values for r in result.rows] == [{"recovered": 5}]
