"""Malformed sources through the real state machine, a few of each kind: bad rows are quarantined
in S3 and named in the email, an unusable source fails the run with a notification; either way
the table holds no bad value and loses no good one. Every variant's row rules are checked in
tests/unit/test_sources_malformed.py; a decreasing cumulative value, a revision and no error, in
tests/unit/test_sources.py and tests/unit/test_merge_diff.py."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import Pipeline
from malformed_sources import Case, case_named

from covid_etl import aws, keys
from covid_etl.accounting import invariant_violations
from etl_tools.cli import print_run_report

# Each source's quarantine, each source refused, and the join refusing. A variant about the
# state machine's own limits (a payload size) belongs here too: validate() alone cannot show
# that a run survives it. An odd but valid file (BOM and CRLF) is validate()'s alone.
WHOLE_PIPELINE_CASES = [
    case_named(name)
    for name in (
        "nyt two bad rows",
        "jhu negative recovered",
        "nyt empty",
        "jhu HTML page",
        "sources share no day",
        "nyt huge values (the payload limit)",
        "nyt huge header (the payload limit)",
    )
]


@pytest.mark.parametrize("case", WHOLE_PIPELINE_CASES, ids=lambda c: c.name)
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
            quarantined = aws.get_object(
                loaded.stack.settings.data_bucket, keys.rejects(result.run_id, case.source)
            )
            rows = list(csv.DictReader(io.StringIO(quarantined.decode())))
            assert len(rows) == case.rejected
            assert any(case.reason.split(": ")[-1] in row["reason"] for row in rows)
            original = case.data.decode().split("\n")
            for row in rows:
                assert original[int(row["line_number"]) - 1].rstrip("\r") == row["line"]
    assert not any(
        item["pk"] == aws.LOCK_KEY for item in aws.scan(loaded.stack.settings.runs_table)
    ), "the lock is released"
