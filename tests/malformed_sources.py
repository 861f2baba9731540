"""The shipped source files with one thing broken: rows the run quarantines with a reason, odd
but valid files it reads unchanged, and sources it refuses as a whole.

tests/unit/test_sources_malformed.py checks every variant against covid_etl.sources (where each
rule lives); tests/e2e/test_malformed_sources.py runs a few through the whole state machine."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from conftest import JHU_BYTES, NYT_BYTES

from covid_etl.sources import JHU, NYT

NYT_LINES = NYT_BYTES.decode().split("\n")
JHU_LINES = JHU_BYTES.decode().split("\n")
US_INDEX = next(i for i, line in enumerate(JHU_LINES) if line.startswith("2020-05-01,US,,"))
NYT_INDEX = next(i for i, line in enumerate(NYT_LINES) if line.startswith("2020-05-01,"))


def nyt_with(replace: Callable[[list[str]], list[str]]) -> bytes:
    return "\n".join(replace(list(NYT_LINES))).encode()


def jhu_with(replace: Callable[[list[str]], list[str]]) -> bytes:
    return "\n".join(replace(list(JHU_LINES))).encode()


def set_line(lines: list[str], index: int, value: str) -> list[str]:
    lines[index] = value
    return lines


def insert_line(lines: list[str], index: int, value: str) -> list[str]:
    lines.insert(index, value)
    return lines


def huge_values(lines: list[str]) -> list[str]:
    """Five rows whose cases are 100,000 characters: their reasons together would be 500 KB."""
    for index in range(NYT_INDEX, NYT_INDEX + 5):
        lines[index] = f"{lines[index].split(',')[0]},{'x' * 100_000},1"
    return lines


def reorder_nyt(lines: list[str]) -> list[str]:
    rows = list(csv.reader(lines))
    return [",".join([r[2], r[0], r[1]]) for r in rows]


@dataclass(frozen=True)
class Case:
    name: str
    nyt: bytes = NYT_BYTES
    jhu: bytes = JHU_BYTES
    fails: bool = False  # the run fails as a whole
    rejected: int = 0  # rows quarantined (when it does not fail)
    reason: str = ""  # what the email says

    @property
    def source(self) -> str:
        """The source file this variant changes (the NYT one when both are the shipped ones)."""
        return JHU if self.jhu is not JHU_BYTES else NYT

    @property
    def data(self) -> bytes:
        return self.jhu if self.source == JHU else self.nyt


US = "2020-05-01,US,,40.0,-100.0"
ROW_CASES = [
    Case(
        "nyt unparseable date",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020/05/01,1,1")),
        rejected=1,
        reason="unparseable date '2020/05/01'",
    ),
    Case(
        "nyt impossible date",
        nyt_with(lambda l: insert_line(l, NYT_INDEX, "2020-02-30,1,1")),
        rejected=1,
        reason="impossible date '2020-02-30'",
    ),
    Case(
        "nyt decimal count",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,12.5,1")),
        rejected=1,
        reason="non-integer cases '12.5'",
    ),
    Case(
        "nyt negative count",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,10,-3")),
        rejected=1,
        reason="negative deaths -3",
    ),
    Case(
        "nyt text count",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,abc,1")),
        rejected=1,
        reason="non-integer cases 'abc'",
    ),
    Case(
        "nyt empty count",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,,1")),
        rejected=1,
        reason="missing cases",
    ),
    Case(
        "nyt extra field",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,1,1,1")),
        rejected=1,
        reason="wrong field count: expected 3, got 4",
    ),
    Case(
        "nyt missing field",
        nyt_with(lambda l: set_line(l, NYT_INDEX, "2020-05-01,1")),
        rejected=1,
        reason="wrong field count: expected 3, got 2",
    ),
    Case(
        "nyt identical duplicate",
        nyt_with(lambda l: insert_line(l, NYT_INDEX + 1, l[NYT_INDEX])),
        rejected=1,
        reason=f"identical duplicate of line {NYT_INDEX + 1} (collapsed)",
    ),
    Case(
        "nyt conflicting duplicate",
        nyt_with(lambda l: insert_line(l, NYT_INDEX + 1, "2020-05-01,1,1")),
        rejected=2,
        reason="conflicting duplicates of 2020-05-01",
    ),
    Case(
        "nyt future date",
        nyt_with(lambda l: l + ["2099-01-01,1,1"]),
        rejected=1,
        reason="date 2099-01-01 is in the future",
    ),
    Case(
        "nyt unterminated quote",
        nyt_with(lambda l: set_line(l, NYT_INDEX, '"2020-05-01,1,1')),
        rejected=1,
        reason="malformed CSV: unexpected end of data",
    ),
    Case(
        "nyt two bad rows",
        nyt_with(lambda l: set_line(set_line(l, 5, "x,1,1"), 9, "2020-01-30,1,y")),
        rejected=2,
        reason="line 6: unparseable date 'x'",
    ),
    Case(
        "nyt huge values (the payload limit)",
        nyt_with(huge_values),
        rejected=5,
        reason=f"non-integer cases '{'x' * 60}... (100,000 characters)'",
    ),
    Case(
        "jhu unparseable date",
        jhu=jhu_with(lambda l: set_line(l, US_INDEX, "May 1," + l[US_INDEX][11:])),
        rejected=1,
        reason="unparseable date 'May 1'",
    ),
    Case(
        "jhu negative recovered",
        jhu=jhu_with(lambda l: set_line(l, US_INDEX, f"{US},1,-7,1")),
        rejected=1,
        reason="negative Recovered -7",
    ),
    Case(
        "jhu scientific recovered",
        jhu=jhu_with(lambda l: set_line(l, US_INDEX, f"{US},1,1e3,1")),
        rejected=1,
        reason="non-integer Recovered '1e3'",
    ),
    Case(
        "jhu identical US duplicate",
        jhu=jhu_with(lambda l: insert_line(l, US_INDEX + 1, l[US_INDEX])),
        rejected=1,
        reason=f"identical duplicate of line {US_INDEX + 1} (collapsed)",
    ),
    Case(
        "jhu future US date",
        jhu=jhu_with(lambda l: insert_line(l, US_INDEX, "2099-05-01,US,,40.0,-100.0,1,1,1")),
        rejected=1,
        reason="date 2099-05-01 is in the future",
    ),
    Case(
        "jhu short row elsewhere",
        jhu=jhu_with(lambda l: set_line(l, 3, "2020-01-24,Afghanistan")),
        rejected=1,
        reason="wrong field count: expected 8, got 2",
    ),
]

FINE_CASES = [
    Case("BOM and CRLF", nyt=b"\xef\xbb\xbf" + NYT_BYTES.replace(b"\n", b"\r\n")),
    Case("columns reordered", nyt=nyt_with(reorder_nyt)),
    Case(
        "unknown extra column",
        nyt=nyt_with(lambda l: [l[0] + ",note"] + [line + "," for line in l[1:]]),
    ),
    Case("blank trailing lines", nyt=NYT_BYTES + b"\n\n\n"),
]

HEADER = NYT_LINES[0]
FAIL_CASES = [
    Case("nyt empty", nyt=b"", fails=True, reason="source nyt: the file is empty"),
    Case(
        "nyt header only",
        nyt=HEADER.encode() + b"\n",
        fails=True,
        reason="source nyt: no data rows (header only)",
    ),
    Case(
        "nyt missing column",
        nyt=nyt_with(lambda l: [x.rsplit(",", 1)[0] for x in l]),
        fails=True,
        reason="source nyt: missing required column(s) deaths",
    ),
    Case(
        "nyt huge header (the payload limit)",
        nyt=nyt_with(
            lambda l: (
                [",".join(["date", "cases"] + [f"{n}" * 1000 for n in range(300)])]
                + [x.rsplit(",", 1)[0] for x in l[1:]]
            )
        ),
        fails=True,
        reason="source nyt: missing required column(s) deaths",
    ),
    Case(
        "nyt HTML page",
        nyt=b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
        fails=True,
        reason="source nyt: got an HTML page instead of CSV",
    ),
    Case(
        "nyt truncated mid-row",
        nyt=NYT_BYTES[:-12],
        fails=True,
        reason="source nyt: truncated: the last line",
    ),
    Case(
        "nyt not UTF-8",
        nyt=NYT_BYTES.replace(b"2020-05-01", b"2020-05-\xe91"),
        fails=True,
        reason="source nyt: not UTF-8: byte 0xe9",
    ),
    Case(
        "nyt every row bad",
        nyt=nyt_with(lambda l: [l[0]] + [x + ",9" for x in l[1:]]),
        fails=True,
        reason="source nyt: no valid rows: all 820 rejected",
    ),
    Case("jhu empty", jhu=b"\n \n", fails=True, reason="source jhu: the file is empty"),
    Case(
        "jhu missing Recovered",
        jhu=JHU_BYTES.replace(b"Recovered", b"Recov", 1),
        fails=True,
        reason="source jhu: missing required column(s) Recovered",
    ),
    Case(
        "jhu no US rows",
        jhu=b"\n".join(l for l in JHU_BYTES.split(b"\n") if b",US," not in l),
        fails=True,
        reason="source jhu: no rows in scope",
    ),
    Case(
        "jhu HTML page",
        jhu=b"  <html><head><title>Rate limited</title></head></html>",
        fails=True,
        reason="source jhu: got an HTML page",
    ),
    Case(
        "jhu UTF-16",
        jhu=JHU_BYTES[:5000].decode().encode("utf-16"),
        fails=True,
        reason="source jhu: not UTF-8",
    ),
    Case(
        "jhu truncated in a quote",
        jhu=JHU_BYTES[: JHU_BYTES.index(b'"Korea') + 4],
        fails=True,
        reason="source jhu: truncated: line",
    ),
    Case(
        "sources share no day",
        nyt=nyt_with(lambda l: [l[0]] + [x.replace("2020-", "2019-", 1) for x in l[1:300]]),
        fails=True,
        reason="source nyt+jhu: the sources share no day",
    ),
]


def case_named(name: str) -> Case:
    return next(c for c in ROW_CASES + FINE_CASES + FAIL_CASES if c.name == name)
