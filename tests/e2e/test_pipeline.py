"""The whole state machine on the embedded AWS: first load, idempotent re-run, new day, revision."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import JHU_BYTES, NYT_BYTES, Pipeline, independent_join

from covid_etl.accounting import invariant_violations
from covid_etl.contract import FUNCTIONS, LOAD_JOB_GRANTS
from etl_tools.local.runner import RunResult
from etl_tools.permissions import allowed_actions


@pytest.fixture(scope="module")
def first_run(pipeline: Pipeline) -> RunResult:
    """The module's first execution, on a fresh account: the checks of one run share it."""
    return pipeline.run()


def assert_every_call_granted(calls: dict[str, set[str]]) -> None:
    """Least privilege, checked in practice: each handler (and the load job) called only what
    its role allows."""
    assert set(calls) - {"load_job"} <= set(FUNCTIONS)
    for function, actions in calls.items():
        allowed = (
            {a for a, _, _ in LOAD_JOB_GRANTS}
            if function == "load_job"
            else allowed_actions(function)
        )
        assert actions <= allowed, f"{function} called {sorted(actions - allowed)} not granted"


def test_first_run_loads_exactly_the_days_both_sources_share(
    pipeline: Pipeline, first_run: RunResult
) -> None:
    expected = independent_join()
    result = first_run
    assert result.status == "SUCCEEDED", result.cause
    assert pipeline.table() == expected
    counts = result.run["counts"]
    assert counts["inserted"] == len(expected) and counts["updated"] == 0
    assert counts["extracted"] == len(NYT_BYTES.splitlines()) - 1 + len(expected)
    assert invariant_violations(counts) == []
    assert result.email_subject and "SUCCEEDED" in result.email_subject
    assert f"inserted {len(expected)}" in result.email_body


def test_immediate_rerun_writes_nothing_and_calls_only_what_is_granted(
    pipeline: Pipeline, first_run: RunResult
) -> None:
    table_before = pipeline.table()
    calls = pipeline.stack.bridge.calls
    calls.clear()
    result = pipeline.run()
    assert result.status == "SUCCEEDED"
    assert_every_call_granted(calls)
    counts = result.run["counts"]
    assert (counts["inserted"], counts["updated"], counts["queued"]) == (0, 0, 0)
    assert counts["unchanged"] == len(table_before)
    assert "load_job" not in calls, "no load job on an empty delta"
    assert pipeline.table() == table_before
    assert invariant_violations(counts) == []


def test_a_revised_past_value_updates_one_row_calling_only_what_is_granted(
    pipeline: Pipeline, first_run: RunResult
) -> None:
    lines = NYT_BYTES.decode().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("2020-06-01,"))
    day, cases, deaths = lines[index].split(",")
    lines[index] = f"{day},{int(cases) + 5},{deaths}"
    revised = "\n".join(lines).encode()
    calls = pipeline.stack.bridge.calls
    calls.clear()
    result = pipeline.run(nyt=revised)
    counts = result.run["counts"]
    assert result.status == "SUCCEEDED"
    assert_every_call_granted(calls)
    assert "load_job" in calls and "dynamodb:BatchWriteItem" in calls["load_job"]
    assert (counts["revised"], counts["updated"], counts["inserted"]) == (1, 1, 0)
    by_date = {r.date: r for r in pipeline.table()}
    assert by_date[date(2020, 6, 1)].cases == int(cases) + 5
    assert pipeline.table() == independent_join(revised, JHU_BYTES)
    assert invariant_violations(counts) == []


def test_logs_are_json_lines_that_all_carry_the_run_id(
    pipeline: Pipeline, first_run: RunResult
) -> None:
    result = first_run
    lines = (pipeline.stack.state_dir / "logs" / f"{result.run_id}.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) > 30
    assert all(entry["run_id"] == result.run_id for entry in entries)
    functions = {e["function"] for e in entries if "function" in e}
    assert {"covid-etl-local-start-run", "covid-etl-local-notify"} <= functions
    [emf] = [e for e in entries if "_aws" in e]
    metrics = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"inserted", "updated", "queued", "duration", "failed_runs"} <= metrics
    # Powertools writes each metric's values as a list (EMF allows one or many per line).
    counts = result.run["counts"]
    assert (emf["inserted"], emf["unchanged"]) == ([counts["inserted"]], [counts["unchanged"]])
