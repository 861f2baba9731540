"""A full rebuild (issue 13): {"rebuild": true} plans every day against the loaded table on the
Batch job (run in-process by the bridge), and loads what differs the normal way."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import Pipeline, etl_here, independent_join, saved_table

from covid_etl import aws, keys
from covid_etl.accounting import invariant_violations
from covid_etl.contract import REBUILD_JOB_GRANTS
from etl_tools.local.moto_bridge import REBUILD_JOB


def test_etl_rebuild_loads_everything_and_a_run_after_it_finds_all_unchanged(
    tmp_path: Path,
) -> None:
    """The two commands in this process (conftest.etl_here): each reads only the state dir."""
    state_dir = tmp_path / "state"
    first = etl_here("rebuild", state_dir=state_dir)
    assert first.returncode == 0, first.stderr
    assert "  Rebuild " in first.stdout and "  StartLoadJob " in first.stdout
    expected = independent_join()
    assert saved_table(state_dir) == [{k: str(v) for k, v in r.as_row().items()} for r in expected]

    second = etl_here("run", state_dir=state_dir)
    assert second.returncode == 0, second.stderr
    assert f"unchanged={len(expected)}" in second.stdout and "new=0" in second.stdout
    assert "  Rebuild " not in second.stdout
    history = etl_here("runs", state_dir=state_dir).stdout.splitlines()
    assert [line.split()[3] for line in history] == ["schedule", "rebuild"]


def test_a_rebuild_repairs_a_day_the_snapshot_hides(loaded: Pipeline) -> None:
    """Through the state machine; the job's plan alone (a lost snapshot written again from the
    table, too) is tests/unit/steps/test_rebuild_job.py's."""
    settings = loaded.stack.settings
    table = loaded.table()
    damaged = replace(table[100], cases=table[100].cases + 7)
    aws.client("dynamodb").put_item(
        TableName=settings.daily_table, Item=aws.to_item(damaged.as_row())
    )
    # A daily run trusts the snapshot: the damaged day looks unchanged and stays damaged.
    assert loaded.run().run["counts"]["delta"] == 0
    assert table[100] not in loaded.table()

    loaded.stack.bridge.calls.clear()
    repaired = loaded.run(rebuild=True)
    assert repaired.status == "SUCCEEDED", repaired.run.get("error")
    counts = repaired.run["counts"]
    assert (counts["revised"], counts["updated"], counts["new"]) == (1, 1, 0)
    assert counts["unchanged"] == len(table) - 1
    assert invariant_violations(counts) == []
    assert repaired.run["trigger"] == {"rebuild": True}
    assert loaded.table() == table
    job_calls = loaded.stack.bridge.calls[REBUILD_JOB]
    assert job_calls and job_calls <= {action for action, _, _ in REBUILD_JOB_GRANTS}


def test_a_failed_rebuild_job_fails_the_run_and_writes_nothing(loaded: Pipeline) -> None:
    table = loaded.table()
    snapshot = aws.get_object(loaded.stack.settings.data_bucket, keys.SNAPSHOT)
    failed = loaded.run(rebuild=True, raise_in={REBUILD_JOB})
    assert failed.status == "FAILED"
    assert REBUILD_JOB in loaded.stack.bridge.raised
    assert failed.run["status"] == "FAILED"
    assert loaded.table() == table
    assert aws.get_object(loaded.stack.settings.data_bucket, keys.SNAPSHOT) == snapshot
    # The lock is released: the next run goes ahead.
    assert loaded.run().status == "SUCCEEDED"
