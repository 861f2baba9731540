"""statemachine.asl.json: valid ASL, Retry and Catch on every Task, every function used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from covid_etl.contract import STATE_FUNCTIONS
from etl_tools.naming import Names
from etl_tools.statemachine import (
    AWS_LOCK_WAIT,
    DEFINITION_PATH,
    placeholders,
    render,
    template_values,
)

STATELINT = Path(sys.executable).parent / "statelint"
DEFINITION = DEFINITION_PATH.read_text()
RENDERED = render(DEFINITION, template_values(Names("local", "123456789012")))


def statelint(definition: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "definition.json"
    path.write_text(lintable(definition))
    return subprocess.run([str(STATELINT), str(path)], capture_output=True, text=True, check=False)


def lintable(definition: str) -> str:
    """The definition without what statelint 3.1.0 (the latest) does not know yet.

    Its ReaderConfig allows MaxItems only, so it refuses ``InputType``, which AWS documents for
    every S3 ItemReader (its own CSV example fails statelint too); untyped_item_readers checks it."""
    machine = json.loads(definition)
    for state in machine["States"].values():
        state.get("ItemReader", {}).get("ReaderConfig", {}).pop("InputType", None)
    return json.dumps(machine)


def test_the_rendered_definition_passes_statelint(tmp_path: Path) -> None:
    result = statelint(RENDERED, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_statelint_catches_a_broken_definition(tmp_path: Path) -> None:
    broken = json.loads(RENDERED)
    broken["States"]["TransformSources"]["Next"] = "NoSuchState"
    result = statelint(json.dumps(broken), tmp_path)
    assert result.returncode != 0 and "NoSuchState" in result.stdout + result.stderr


def tasks(states: dict, parallel: str | None = None):
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state, parallel
        for branch in state.get("Branches", []):
            yield from tasks(branch["States"], parallel=name)


def worst_case_wait(retry: dict) -> float:
    """The longest a retrier can wait in all (full jitter waits at most each delay)."""
    delays = (
        retry["IntervalSeconds"] * retry["BackoffRate"] ** i for i in range(retry["MaxAttempts"])
    )
    return sum(min(d, retry.get("MaxDelaySeconds", d)) for d in delays)


def test_every_task_retries_with_bounded_backoff_and_jitter_and_is_caught() -> None:
    states = json.loads(render(DEFINITION, template_values(Names("dev", "1"), AWS_LOCK_WAIT)))[
        "States"
    ]
    checked = 0
    for name, state, parallel in tasks(states):
        retry, *lock_wait = state["Retry"]
        if ":lambda:" in state["Resource"]:  # the functions raise it (covid_etl.handler)
            assert "TransientAwsError" in retry["ErrorEquals"], name
        assert retry["MaxAttempts"] <= 3 and retry["BackoffRate"] >= 2, name
        assert retry["JitterStrategy"] == "FULL" and retry["MaxDelaySeconds"] <= 60, name
        assert "States.ALL" not in retry["ErrorEquals"], f"{name} retries every error"
        catcher = state if parallel is None else states[parallel]
        assert any("States.ALL" in c["ErrorEquals"] for c in catcher["Catch"]), name
        if name == "StartRun":
            [wait] = lock_wait
            assert wait["ErrorEquals"] == ["RunInProgress"]
            assert wait["JitterStrategy"] == "FULL" and wait["BackoffRate"] >= 2
            assert worst_case_wait(wait) == 2700, "45 minutes, inside the lock's 1-hour lease"
        else:
            assert lock_wait == [], name
        checked += 1
    assert checked >= 20


def test_locally_a_held_lock_is_waited_for_a_few_seconds_only() -> None:
    start_run = json.loads(RENDERED)["States"]["StartRun"]
    assert worst_case_wait(start_run["Retry"][1]) == 5


def test_every_function_is_a_task_and_every_placeholder_is_bound() -> None:
    used = {p.removesuffix("_arn") for p in placeholders(DEFINITION) if p.endswith("_arn")}
    assert used == set(STATE_FUNCTIONS)
    assert placeholders(DEFINITION) <= set(template_values(Names("dev", "1")))


def test_render_refuses_an_unbound_placeholder() -> None:
    with pytest.raises(KeyError, match="load_job_name"):
        render(DEFINITION, {k: "x" for k in placeholders(DEFINITION) if k != "load_job_name"})


def unbounded_callbacks(states: dict) -> list[str]:
    """The .waitForTaskToken tasks that could wait forever or end a run as merely failed.

    Without TimeoutSeconds a callback task waits until its token is answered: an execution is
    stuck (AWS, "Using timeouts to avoid stuck Step Functions workflow executions"), and a run
    paused at the approval gate would hold the lock for good. Its timeout must be caught as a
    rejection, not fall through to the generic failure."""
    unbounded = []
    for name, state, _ in tasks(states):
        if not state["Resource"].endswith(".waitForTaskToken"):
            continue
        timed = "TimeoutSeconds" in state or "TimeoutSecondsPath" in state
        timeout_caught = any(
            "States.Timeout" in c["ErrorEquals"] and c["Next"] == "RejectRun"
            for c in state.get("Catch", [])
        )
        if not (timed and timeout_caught):
            unbounded.append(name)
    return unbounded


def test_the_approval_wait_is_bounded_and_its_timeout_rejects_the_run() -> None:
    states = json.loads(RENDERED)["States"]
    assert [n for n, s, _ in tasks(states) if s["Resource"].endswith(".waitForTaskToken")] == [
        "RequestApproval"
    ]
    assert unbounded_callbacks(states) == []
    without_timeout = json.loads(RENDERED)["States"]
    del without_timeout["RequestApproval"]["TimeoutSecondsPath"]
    assert unbounded_callbacks(without_timeout) == ["RequestApproval"]
    timeout_uncaught = json.loads(RENDERED)["States"]
    timeout_uncaught["RequestApproval"]["Catch"][0]["ErrorEquals"] = ["Rejected"]
    assert unbounded_callbacks(timeout_uncaught) == ["RequestApproval"]


def untyped_item_readers(states: dict) -> list[str]:
    """The Maps whose S3 ItemReader does not say what its object holds.

    AWS reads an object through ``ReaderConfig.InputType`` (CSV, JSON, JSONL, PARQUET, MANIFEST:
    "ItemReader (Map)", Step Functions developer guide); the changes file is a JSON array."""
    readers = {name: state["ItemReader"] for name, state in states.items() if "ItemReader" in state}
    return [
        name
        for name, reader in readers.items()
        if reader["Resource"].endswith(":s3:getObject")
        and reader.get("ReaderConfig", {}).get("InputType") not in READER_INPUT_TYPES
    ]


READER_INPUT_TYPES = {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"}


def test_the_fan_out_map_says_its_s3_object_is_a_json_array() -> None:
    states = json.loads(RENDERED)["States"]
    assert states["FanOutChanges"]["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}
    assert untyped_item_readers(states) == []
    del states["FanOutChanges"]["ItemReader"]["ReaderConfig"]
    assert untyped_item_readers(states) == ["FanOutChanges"]
