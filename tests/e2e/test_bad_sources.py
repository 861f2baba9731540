"""Malformed sources through the real state machine: rows quarantined with a reason, or the run
fails loudly; either way the table holds no bad value and loses no good one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import JHU_BYTES, NYT_BYTES, Pipeline

from covid_etl import aws, keys
from covid_etl.accounting import invariant_violations
from covid_etl.cli import print_run_report

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


@pytest.fixture(scope="module")
def loaded(pipeline: Pipeline) -> Pipeline:
    assert pipeline.run().status == "SUCCEEDED"
    return pipeline


@pytest.mark.parametrize("case", ROW_CASES + FINE_CASES + FAIL_CASES, ids=lambda c: c.name)
def test_bad_source(loaded: Pipeline, case: Case, tmp_path) -> None:
    before = loaded.table()
    result = loaded.run(nyt=case.nyt, jhu=case.jhu)
    run = result.run or {}
    exit_code = print_run_report(result, tmp_path)
    assert result.email_body, "every ending sends an email"
    assert case.reason in result.email_body, result.email_body
    # Nothing bad was loaded and nothing good was lost: the clean days are all there, unchanged.
    assert loaded.table() == before
    if case.fails:
        assert (result.status, run.get("status"), exit_code) == ("FAILED", "FAILED", 1)
        assert case.reason in run["error"]
        assert "FAILED" in result.email_subject
    else:
        assert (result.status, run["status"], exit_code) == ("SUCCEEDED", "SUCCEEDED", 0)
        counts = run["counts"]
        assert counts["rejected"] == case.rejected
        assert invariant_violations(counts) == []
        assert (counts["inserted"], counts["updated"]) == (0, 0)
        if case.rejected:
            source = "nyt" if case.nyt is not NYT_BYTES else "jhu"
            quarantined = aws.get_object(
                loaded.stack.settings.data_bucket, keys.rejects(result.run_id, source)
            )
            rows = list(csv.DictReader(io.StringIO(quarantined.decode())))
            assert len(rows) == case.rejected
            assert any(case.reason.split(": ")[-1] in row["reason"] for row in rows)
            original = (case.nyt if source == "nyt" else case.jhu).decode().split("\n")
            for row in rows:
                assert original[int(row["line_number"]) - 1].rstrip("\r") == row["line"]
    assert loaded.stack.settings and _lock_free(loaded)


def _lock_free(pipeline: Pipeline) -> bool:
    return not any(
        item["pk"] == aws.LOCK_KEY for item in aws.scan(pipeline.stack.settings.runs_table)
    )


def test_a_decreasing_cumulative_value_is_a_revision_not_an_error(loaded: Pipeline) -> None:
    lines = list(NYT_LINES)
    day, cases, deaths = lines[NYT_INDEX].split(",")
    lines[NYT_INDEX] = f"{day},{int(cases) - 1000},{deaths}"
    result = loaded.run(nyt="\n".join(lines).encode())
    counts = result.run["counts"]
    assert result.status == "SUCCEEDED"
    assert (counts["rejected"], counts["revised"], counts["updated"]) == (0, 1, 1)
    assert {r.date.isoformat(): r.cases for r in loaded.table()}[day] == int(cases) - 1000
    assert invariant_violations(counts) == []


def test_there_are_at_least_30_malformed_variants() -> None:
    assert len(ROW_CASES) + len(FAIL_CASES) >= 30
