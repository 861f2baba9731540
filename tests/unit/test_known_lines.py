"""covid_etl.known_lines and diff_source's known days: the same validation, rejects and rows
as the parsing way, on generated files with every kind of doubt in them."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from covid_etl import known_lines, merge_diff
from covid_etl.datasets import DATASETS, US, US_COUNTIES
from covid_etl.merge_diff import Row, UnsortedStream, diff_source
from covid_etl.sources import SourceUnusable

COUNTIES = DATASETS[US_COUNTIES]
HEADER = "date,county,state,fips,cases,deaths"
FIRST = date(2021, 1, 1)
DAYS = 5
TODAY = FIRST + timedelta(days=DAYS - 1)
PLACES = [  # (county, state, fips): the last is an "Unknown" county, keyed by its stand-in
    ("Autauga", "Alabama", "01001"),
    ("Baldwin", "Alabama", "01003"),
    ("Doña Ana", "New Mexico", "35013"),
    ("Barbour", "Alabama", "01005"),
    ("Unknown", "Alabama", ""),
]


def base_lines() -> list[str]:
    return [
        f"{FIRST + timedelta(days=d)},{county},{state},{fips},{10 * d + i},{d}"
        for d in range(DAYS)
        for i, (county, state, fips) in enumerate(PLACES)
    ]


def snapshot_rows(rng: random.Random) -> list[Row]:
    """Yesterday's snapshot: every day but today's, a few rows revised since, one row that has
    no known line (a name with a comma), one day missing."""
    rows = []
    for d in range(DAYS - 1):
        for i, (county, state, fips) in enumerate(PLACES):
            cases = 10 * d + i - (rng.random() < 0.15)
            name = "Autauga, AL" if (d, i) == (1, 0) else county
            rows.append(
                (
                    str(FIRST + timedelta(days=d)),
                    fips or f"{state}/{county}",
                    name,
                    state,
                    str(cases),
                    str(d),
                )
            )
    if rng.random() < 0.2:
        gone = str(FIRST + timedelta(days=rng.randrange(DAYS - 1)))
        rows = [row for row in rows if row[0] != gone]
    return sorted(rows)


def _pick(rng: random.Random, lines: list[str]) -> int:
    return rng.randrange(len(lines))


def revise(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    fields = lines[i].split(",")
    fields[4] = str(int(fields[4]) + 1) if fields[4].isdigit() else "1"
    lines[i] = ",".join(fields)


def new_county(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines.insert(i + 1, lines[i].split(",")[0] + ",Bibb,Alabama,01007,3,0")


def identical_duplicate(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines.insert(i + rng.randrange(2), lines[i])


def conflicting_duplicate(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines.insert(i + 1, lines[i].rsplit(",", 1)[0] + ",99")


def quoted(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    day, county, rest = lines[i].split(",", 2)
    lines[i] = f'{day},"{county}",{rest}'


def comma_name(rng: random.Random, lines: list[str]) -> None:
    lines[:] = [line.replace(",Autauga,", ',"Autauga, AL",') for line in lines]


def quoted_line_break(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    day, county, rest = lines[i].split(",", 2)
    lines[i] = f'{day},"{county}\n{day},more",{rest}'  # the second line starts with the date


def stray_quote(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] = lines[i].replace(",Alabama,", ',Ala"bama,')


def out_of_order(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines.insert(min(len(lines), i + rng.randrange(4, 12)), lines.pop(i))


def bad_count(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] = lines[i].rsplit(",", 1)[0] + rng.choice([",x", ",-1", ",007", ", 7", ","])


def future_day(rng: random.Random, lines: list[str]) -> None:
    lines.append(f"{TODAY + timedelta(days=1)},Autauga,Alabama,01001,1,0")


def blank_line(rng: random.Random, lines: list[str]) -> None:
    lines.insert(_pick(rng, lines), "")


def crlf(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] += "\r"


def not_utf8(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] = lines[i].replace("Baldwin", "Bald\udcffwin")  # encoded with surrogateescape


def gone_line(rng: random.Random, lines: list[str]) -> None:
    del lines[_pick(rng, lines)]


def spaced_date(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] = " " + lines[i]


def literal_stand_in(rng: random.Random, lines: list[str]) -> None:
    i = _pick(rng, lines)
    lines[i] = lines[i].replace("Unknown,Alabama,,", "Unknown,Alabama,Alabama/Unknown,")


MUTATIONS: list[Callable[[random.Random, list[str]], None]] = [
    revise,
    new_county,
    identical_duplicate,
    conflicting_duplicate,
    quoted,
    quoted_line_break,
    comma_name,
    stray_quote,
    out_of_order,
    bad_count,
    future_day,
    blank_line,
    crlf,
    not_utf8,
    gone_line,
    spaced_date,
    literal_stand_in,
]


def source_file(rng: random.Random) -> bytes:
    lines = base_lines()
    for mutation in rng.sample(MUTATIONS, rng.randrange(4)):
        mutation(rng, lines)
    end = "" if rng.random() < 0.1 else "\n"
    return ("\n".join([HEADER, *lines]) + end).encode(errors="surrogateescape")


def index_of(rows: list[Row], stamp: str) -> io.BytesIO:
    out = io.BytesIO()
    known_lines.write(COUNTIES, rows, out, stamp=stamp)
    out.seek(0)
    return out


def outcome(data: bytes, snapshot: list[Row], run_date: date = TODAY, **index: Any) -> tuple:
    """What the diff says: its counts, rejects and rows, or the error that stopped it."""
    try:
        validated, classified = diff_source(
            COUNTIES, io.BytesIO(data), iter(snapshot), run_date=run_date, **index
        )
        rows = list(classified)
    except (SourceUnusable, UnsortedStream) as error:
        return ("error", type(error).__name__, str(error))
    rejects = [(r.line_number, r.line, r.reason) for r in validated.rejects]
    return (validated.valid, validated.known, validated.out_of_scope, rejects, rows)


@pytest.fixture
def known_days(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The dates diffed on the known days' path."""
    days: list[bytes] = []
    day_of = merge_diff._KnownDays._day

    def counted(self: Any, stream: Any) -> Iterator[tuple[str, Row]]:
        day = yield from day_of(self, stream)
        days.append(day)
        return day

    monkeypatch.setattr(merge_diff._KnownDays, "_day", counted)
    return days


def test_known_days_give_what_parsing_gives_on_generated_files(known_days: list[bytes]) -> None:
    cases_with_known_days = 0
    for seed in range(400):
        rng = random.Random(seed)
        snapshot = snapshot_rows(rng)
        data = source_file(rng)
        run_date = TODAY - timedelta(
            days=2 * (rng.random() < 0.1)
        )  # the snapshot's last day: future
        parsed = outcome(data, snapshot, run_date)
        before = len(known_days)
        fast = outcome(
            data, snapshot, run_date, known_lines=index_of(snapshot, "etag"), snapshot_stamp="etag"
        )
        assert fast == parsed, f"seed {seed}"
        cases_with_known_days += len(known_days) > before
    # The known days' path is taken in most files, not only in the plain ones.
    assert cases_with_known_days > 250


def test_a_date_before_the_known_days_after_a_reject_is_out_of_order(
    known_days: list[bytes],
) -> None:
    lines = base_lines()
    third = 2 * len(PLACES)
    lines[third] = lines[third].rsplit(",", 1)[0] + ",x"  # the first line of the third day
    lines.insert(third + 1, "2020-12-31" + lines[0][10:])  # then a row of an earlier date
    data = "\n".join([HEADER, *lines]).encode() + b"\n"
    snapshot = snapshot_rows(random.Random(0))
    fast = outcome(data, snapshot, known_lines=index_of(snapshot, "etag"), snapshot_stamp="etag")
    assert known_days == [b"2021-01-01", b"2021-01-02"]
    assert fast == outcome(data, snapshot)
    assert fast[0] == "error" and "line 13 (2020-12-31) comes after 2021-01-02" in fast[2]


def test_a_stale_index_is_not_used() -> None:
    rng = random.Random(7)
    snapshot = snapshot_rows(rng)
    yesterday = [(*row[:4], "0", row[5]) for row in snapshot]  # another snapshot's lines
    data = source_file(random.Random(1))
    stale = outcome(data, snapshot, known_lines=index_of(yesterday, "old"), snapshot_stamp="new")
    assert stale == outcome(data, snapshot)
    fresh_but_wrong = outcome(
        data, snapshot, known_lines=index_of(yesterday, "new"), snapshot_stamp="new"
    )
    assert fresh_but_wrong != stale  # the stamp, not the lines, says which snapshot it is


@pytest.mark.parametrize(
    "index",
    [b"", b"not an index\n", known_lines.MAGIC + b"{not json\n"],
)
def test_a_missing_or_unreadable_index_is_not_used(index: bytes) -> None:
    snapshot = snapshot_rows(random.Random(3))
    data = source_file(random.Random(3))
    assert outcome(data, snapshot, known_lines=io.BytesIO(index)) == outcome(data, snapshot)


def test_with_a_fresh_index_the_snapshot_is_not_read(known_days: list[bytes]) -> None:
    snapshot = snapshot_rows(random.Random(0))
    data = "\n".join([HEADER, *base_lines()]).encode() + b"\n"

    def unread() -> Iterator[Row]:
        raise AssertionError("the snapshot was read")
        yield ()

    _, classified = diff_source(
        COUNTIES,
        io.BytesIO(data),
        unread(),
        run_date=TODAY,
        known_lines=index_of(snapshot, "etag"),
        snapshot_stamp="etag",
    )
    assert list(classified) == outcome(data, snapshot)[4]
    assert len(known_days) == DAYS - 1  # today's date is new: parsed


def test_an_index_under_another_count_limit_is_not_used() -> None:
    snapshot = [
        ("2021-01-01", "01001", "Autauga", "Alabama", "50", "0"),
        ("2021-01-01", "01003", "Baldwin", "Alabama", "1", "0"),
    ]
    # The first line of a date is parsed anyway; the second is known under the default limit.
    data = (
        f"{HEADER}\n2021-01-01,Baldwin,Alabama,01003,1,0\n2021-01-01,Autauga,Alabama,01001,50,0\n"
    )
    index = index_of(snapshot, "etag")  # written under the default limit
    validated, classified = diff_source(
        COUNTIES,
        io.BytesIO(data.encode()),
        iter(snapshot),
        run_date=TODAY,
        max_count=10,
        known_lines=index,
        snapshot_stamp="etag",
    )
    list(classified)
    assert [r.reason[:20] for r in validated.rejects] == ["cases 50 out of rang"]


def test_only_a_one_source_dataset_has_known_lines() -> None:
    with pytest.raises(ValueError, match="dataset us: its rows have no known lines"):
        known_lines.write(DATASETS[US], [], io.BytesIO(), stamp="etag")


def test_the_etag_of_bytes_is_their_md5() -> None:
    assert known_lines.etag(b"") == "d41d8cd98f00b204e9800998ecf8427e"
