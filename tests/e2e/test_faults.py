"""Upstream faults, load failures, retries, the DLQ and the run lock, on the real state machine."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from conftest import JHU_BYTES, Pipeline, independent_join, revised_nyt

from covid_etl import aws
from covid_etl.accounting import invariant_violations
from covid_etl.settings import Settings
from etl_tools.cli import parse_faults, print_run_report, unfired_faults
from etl_tools.local.moto_bridge import LoadFaults
from etl_tools.local.sources_server import UpstreamFaults


def assert_run(result, status: str, reason: str = "") -> dict:
    """Status, `etl run`'s exit code for it, the reason in the email, the invariants."""
    run = result.run or {}
    assert result.status == status, (result.error, result.cause)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert print_run_report(result, Path(tempfile.mkdtemp())) == (
            0 if status == "SUCCEEDED" else 1
        )
    assert run.get("status") == status
    assert reason in result.email_body, result.email_body
    counts = run.get("counts", {})
    if "inserted" in counts:
        assert invariant_violations(counts) == []
    return counts


def test_transient_5xx_is_retried(loaded: Pipeline) -> None:
    faults = {"nyt": UpstreamFaults(http_errors=2)}
    result = loaded.run(nyt=revised_nyt("2020-04-01"), upstream=faults)
    counts = assert_run(result, "SUCCEEDED")
    assert faults["nyt"].requests == 3
    assert counts["updated"] == 1


def test_persistent_5xx_fails_the_run_with_source_url_and_status(loaded: Pipeline) -> None:
    before = loaded.table()
    faults = {"jhu": UpstreamFaults(http_errors=100)}
    result = loaded.run(upstream=faults)
    assert_run(result, "FAILED", "source jhu: HTTP 500")
    assert loaded.stack.settings.jhu_url in result.email_body
    assert faults["jhu"].requests == Settings(*["x"] * 6, http_retries=3).http_retries + 1
    assert loaded.table() == before


def test_an_unchanged_upstream_answers_304_and_faults_that_cannot_fire_are_reported(
    loaded: Pipeline,
) -> None:
    """On an unchanged day nothing is downloaded or loaded: these faults cannot happen."""
    loaded.run()
    faults = parse_faults(
        [
            "truncate:nyt",
            "raise:start_from_upload",
            "load-fail",
            "throttle:2",
            "unprocessed:2020-05-01",
        ]
    )
    result = loaded.run(
        upstream=faults["upstream"], raise_in=faults["raise_in"], load=faults["load"]
    )
    counts = assert_run(result, "SUCCEEDED", "unchanged upstream (HTTP 304)")
    assert result.run["sources"]["nyt"]["http_status"] == 304
    assert (counts["inserted"], counts["updated"]) == (0, 0)
    assert unfired_faults(faults, loaded.stack.bridge.raised) == [
        "truncate:nyt: no download to cut (unchanged upstream?)",
        "raise:start_from_upload: start_from_upload never ran",
        "load-fail: no load job ran (nothing to load?)",
        "throttle:2: only 0 batch write(s) throttled",
        "unprocessed:2020-05-01: not in the load",
    ]


def test_a_handler_raising_fails_the_run_and_releases_the_lock(loaded: Pipeline) -> None:
    before = loaded.table()
    result = loaded.run(nyt=revised_nyt("2020-04-04"), raise_in={"plan_load"})
    assert_run(result, "FAILED", "fault injected in plan_load")
    assert result.run["error_type"] == "InjectedFault"
    assert loaded.table() == before
    assert not _lock(loaded)


def test_records_a_failed_or_partial_load_left_are_retried_until_loaded_or_in_the_dlq(
    loaded: Pipeline,
) -> None:
    """A failed load queues every record; the next run retries them, and what its load cannot
    write (unprocessed) stays queued: 2020-08-02 loads the run after, 2020-09-01 never does and,
    after retry_max_receives receives, sits in the DLQ, not retried forever."""
    assert loaded.run().status == "SUCCEEDED"  # back to the shipped files
    source = revised_nyt("2020-08-01", "2020-08-02", "2020-09-01", bump=3)
    failed = loaded.run(nyt=source, load=LoadFaults(fail=True))
    counts = assert_run(failed, "FAILED", "load job")
    assert (counts["updated"], counts["queued"]) == (0, 3)
    assert "3 record(s) queued for retry" in failed.run["error"]
    assert len(loaded.retry_queue()) == 3
    # The next run drains the queue first (the same day, the sources unchanged): receive 1.
    faults = parse_faults(["throttle:1", "unprocessed:2020-08-02,2020-09-01"])
    result = loaded.run(nyt=source, load=faults["load"])
    counts = assert_run(result, "SUCCEEDED", "queued for retry 2")
    assert (counts["retried"], counts["updated"], counts["queued"]) == (3, 1, 2)
    assert unfired_faults(faults, loaded.stack.bridge.raised) == []
    queued = [json.loads(message["body"]) for message in loaded.retry_queue()]
    assert sorted(body["record"]["date"] for body in queued) == ["2020-08-02", "2020-09-01"]
    assert {body["run_id"] for body in queued} == {failed.run_id}
    # 2020-08-02 loads on the next run (receive 2); 2020-09-01 stays unwritable.
    poison = LoadFaults(unprocessed_days={"2020-09-01"})
    counts = assert_run(loaded.run(nyt=source, load=poison), "SUCCEEDED")
    assert (counts["retried"], counts["updated"], counts["queued"]) == (2, 1, 1)
    for _ in range(loaded.stack.settings.retry_max_receives - 2):
        counts = assert_run(loaded.run(nyt=source, load=poison), "SUCCEEDED")
        assert (counts["retried"], counts["queued"]) == (1, 1)
    # The next receive moves it to the DLQ: the run sees no retry, and the email says so.
    last = loaded.run(nyt=source, load=poison)
    counts = assert_run(last, "SUCCEEDED", "Dead-letter queue: 1 record(s)")
    assert (counts["retried"], counts["queued"], counts["delta"]) == (0, 0, 0)
    assert loaded.retry_queue() == []
    assert [json.loads(b)["record"]["date"] for b in loaded.dlq_bodies()] == ["2020-09-01"]
    # Every revised day is loaded or in the DLQ: 2020-09-01 keeps its value from before.
    assert loaded.table() == independent_join(
        revised_nyt("2020-08-01", "2020-08-02", bump=3), JHU_BYTES
    )


def _lock(pipeline: Pipeline) -> dict | None:
    return next(
        (i for i in aws.scan(pipeline.stack.settings.runs_table) if i["pk"] == aws.LOCK_KEY), None
    )


def test_a_run_that_meets_a_held_lock_waits_then_fails_loudly_touching_no_data(
    loaded: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """StartRun retries RunInProgress (bounded backoff; a few seconds locally), then the run
    fails with a run record and an email: nothing is lost silently."""
    table = loaded.stack.settings.runs_table
    now = int(time.time())
    aws.acquire_lock(table, "run-crashed-earlier", "2026-01-01T06:00:00Z", now, 3600)
    acquire, attempts = aws.acquire_lock, []

    def counted_acquire(*args, **kwargs):
        attempts.append(args[1])
        return acquire(*args, **kwargs)

    monkeypatch.setattr(aws, "acquire_lock", counted_acquire)
    try:
        before = loaded.table()
        result = loaded.run(nyt=revised_nyt("2020-04-05"))
        assert result.error == "RunInProgress"
        assert "run run-crashed-earlier in progress since 2026-01-01T06:00:00Z" in result.cause
        assert_run(result, "FAILED", "run run-crashed-earlier in progress since")
        assert len(attempts) == 4, "the first attempt and 3 retries"
        assert loaded.table() == before
        assert _lock(loaded)["run_id"] == "run-crashed-earlier"
    finally:
        aws.release_lock(table, "run-crashed-earlier")


def test_an_expired_lease_is_taken_over_and_a_held_lock_is_waited_for(
    loaded: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock whose lease ran out (its run crashed long ago) is taken over; an upload arriving
    during the scheduled run waits, and loads once that run ends."""
    table = loaded.stack.settings.runs_table
    aws.acquire_lock(
        table, "run-crashed-long-ago", "2026-01-01T06:00:00Z", int(time.time()) - 7200, 3600
    )
    assert_run(loaded.run(), "SUCCEEDED")  # and back to the shipped files
    assert _lock(loaded) is None, "released at the end"
    aws.acquire_lock(table, "run-scheduled", "2026-01-01T07:00:00Z", int(time.time()), 3600)
    acquire, met = aws.acquire_lock, []

    def acquire_while_the_scheduled_run_ends(*args, **kwargs):
        try:
            return acquire(*args, **kwargs)
        except aws.LockHeld:
            met.append(True)
            aws.release_lock(table, "run-scheduled")  # it finishes while this one waits
            raise

    monkeypatch.setattr(aws, "acquire_lock", acquire_while_the_scheduled_run_ends)
    counts = assert_run(loaded.run(nyt=revised_nyt("2020-04-06", bump=4)), "SUCCEEDED")
    assert met == [True] and counts["updated"] == 1
    assert _lock(loaded) is None


def test_two_executions_at_once_exactly_one_loads(loaded: Pipeline) -> None:
    loaded.server.bodies = {"nyt": revised_nyt("2020-05-05", bump=9), "jhu": JHU_BYTES}
    loaded.stack.bridge.load_faults = LoadFaults()
    sfn = boto3.client("stepfunctions")
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    arns = [
        sfn.start_execution(
            stateMachineArn=loaded.stack.state_machine_arn, name=f"run-race-{stamp}-{i}", input="{}"
        )["executionArn"]
        for i in range(2)
    ]
    deadline = time.monotonic() + 60
    while True:
        descriptions = [sfn.describe_execution(executionArn=arn) for arn in arns]
        if all(d["status"] != "RUNNING" for d in descriptions) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    # The second waits for the first: it runs after it (finding nothing left to load) or, if
    # the first outlasts its local wait of a few seconds, fails with RunInProgress. Either way
    # exactly one run loads the revision.
    for d in descriptions:
        assert d["status"] == "SUCCEEDED" or (
            d["status"] == "FAILED" and d["error"] == "RunInProgress"
        ), d
    # Whatever the table held before, the first loads the whole difference, the second nothing.
    runs = [r for r in aws.scan_runs(loaded.stack.settings.runs_table) if "race" in r["run_id"]]
    assert len(runs) == 2
    loads = sorted(r.get("counts", {}).get("updated", 0) for r in runs)
    assert loads[0] == 0 and loads[1] >= 1, loads
    assert loaded.table() == independent_join(loaded.server.bodies["nyt"], JHU_BYTES)
    assert _lock(loaded) is None
