"""The state dir under a hostile or careless user: two commands at once, Ctrl-C, kill -9 at any
point, a damaged or foreign dir. What only a process shows (a lock held by a running command,
signals, kill -9 at a random moment) uses real `etl` processes; a crash at a given write of the
save is a forked `etl` (conftest.etl_in_a_child); a command's answer (to a busy, missing, foreign
or damaged dir, and every run after a crash) is its `main` in this process (conftest.etl_here)."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from conftest import (
    ETL,
    JHU_BYTES,
    NYT_BYTES,
    etl,
    etl_here,
    etl_in_a_child,
    exit_status_in_a_child,
    independent_join,
    process_state_kept,
    saved_runs,
    saved_table,
)

from etl_tools.local.sources_server import cut_at
from etl_tools.local.state_store import (
    CRASH_EXIT_STATUS,
    FAULT_VARIABLE,
    MANIFEST,
    MARKER,
    State,
    StateStore,
)

STATE_DIR_UNUSABLE = 4
INTERRUPTED = 130
# A process that holds the state dir's lock until its stdin closes.
HOLD_THE_LOCK = """
import sys
from etl_tools.local.state_store import StateStore
with StateStore.open(sys.argv[1], writable=True):
    print("locked", flush=True)
    sys.stdin.read()
"""
BASELINE_DAY = date(2020, 5, 1)
NEXT_DAY = date(2020, 5, 15)
# What `etl run &` in a script (no job control) starts from: SIGINT (and here SIGTERM)
# ignored, which Python keeps unless the program installs its own handler.
SIGNALS_IGNORED = ["sh", "-c", "trap '' INT TERM; exec \"$@\"", "sh"]


def started(
    *args: str, state_dir: Path, until: str, launcher: list[str] | None = None
) -> subprocess.Popen:
    """An `etl` process (through ``launcher``), once it has printed a line starting with ``until``."""
    process = subprocess.Popen(
        [*(launcher or []), *ETL, *args, "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout
    for line in process.stdout:
        if line.startswith(until):
            return process
    process.kill()
    raise AssertionError(f"etl {args} ended before printing {until!r}: {process.stderr.read()}")


def assert_consistent(state_dir: Path, as_of: date) -> None:
    """The table is the join of the sources as of that day, every run ended and balanced."""
    expected = independent_join(cut_at(NYT_BYTES, "nyt", as_of), cut_at(JHU_BYTES, "jhu", as_of))
    assert saved_table(state_dir) == [{k: str(v) for k, v in r.as_row().items()} for r in expected]
    history = saved_runs(state_dir)
    assert history and all(r["status"] == "SUCCEEDED" for r in history)
    emails = {p.stem: p.read_text() for p in (state_dir / "outbox").iterdir()}
    assert set(emails) == {r["run_id"] for r in history}  # no email of a run never saved
    assert all("accounting: OK" in text for text in emails.values())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state_dir = tmp_path_factory.mktemp("baseline") / "state"
    with process_state_kept():
        ran = etl_here("run", "--as-of", BASELINE_DAY.isoformat(), state_dir=state_dir)
    assert ran.returncode == 0, ran.stderr
    return state_dir


@pytest.fixture
def state_dir(baseline: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "state"
    shutil.copytree(baseline, copy)
    yield copy


@pytest.mark.parametrize("crash", ["exit:1", "exit:committed", "enospc:3", "kill:1"])
def test_a_run_killed_at_any_point_leaves_a_state_the_next_run_completes(
    state_dir: Path, crash: str
) -> None:
    """exit:1: killed at the first write of the save; exit:committed: right after the commit
    point, before the email reaches outbox/; enospc:3: the disk is full at the third write
    (a run that loads days, as the table save did after the snapshot's); kill:SEED: SIGKILL at
    a random moment of the run (a real process: the moment is the OS's, not a write's).
    tests/unit/test_state_store.py kills the store at every write: the state is then the old
    or the new one, whole, and this test shows the next run completes from either."""
    kind, _, at = crash.partition(":")
    run = ["run", "--as-of", NEXT_DAY.isoformat()]
    if kind in ("exit", "enospc"):
        failed = etl_in_a_child(*run, state_dir=state_dir, env={FAULT_VARIABLE: crash})
        if kind == "exit":
            assert failed.returncode == CRASH_EXIT_STATUS, failed.stderr
        else:
            assert failed.returncode == STATE_DIR_UNUSABLE
            assert "No space left on device); the previous state is kept" in failed.stderr
        assert len(list((state_dir / "outbox").iterdir())) == 1  # no email of an unsaved run
    else:
        process = started(*run, state_dir=state_dir, until="etl run: state machine")
        time.sleep(random.Random(int(at)).uniform(0, 6))  # where it lands is not asserted
        process.kill()
        process.communicate()
    again = etl_here(*run, state_dir=state_dir)
    assert again.returncode == 0, again.stderr
    assert_consistent(state_dir, NEXT_DAY)


def save_state_of(source: Path, target: Path, email: str) -> None:
    """The save `etl run` ends with, alone (one state dir's state, with its newest email, into
    another), so that it can be killed at each of its writes in turn."""
    with StateStore.open(source, writable=False) as store:
        state = store.load()
    state.files = {name: (source / name).read_bytes() for name in (email, "dashboard/index.html")}
    with StateStore.open(target, writable=True) as store:
        store.commit(state)


def loaded(state_dir: Path, *, writable: bool = False) -> State:
    with StateStore.open(state_dir, writable=writable) as store:
        return store.load()


def test_a_kill_at_every_write_of_a_real_save_leaves_the_old_or_the_new_state(
    baseline: Path, tmp_path: Path
) -> None:
    """The save of a real run (baseline -> one more fortnight), killed at write 1, 2, ... until
    it gets through: the next command always finds the whole old or the whole new state, and
    the run's email exactly when its state is there. The test above runs on from both."""
    after = tmp_path / "after"
    shutil.copytree(baseline, after)
    assert etl_here("run", "--as-of", NEXT_DAY.isoformat(), state_dir=after).returncode == 0
    [email] = {f"outbox/{p.name}" for p in (after / "outbox").iterdir()} - {
        f"outbox/{p.name}" for p in (baseline / "outbox").iterdir()
    }
    old, new = loaded(baseline), loaded(after)
    outcomes = []
    for write in range(1, 500):
        target = tmp_path / f"killed-at-{write}"
        shutil.copytree(baseline, target)
        status = exit_status_in_a_child(
            partial(save_state_of, after, target, email), {FAULT_VARIABLE: f"exit:{write}"}
        )
        state = loaded(target, writable=True)  # as the next command opens it
        if status == 0:
            break
        assert status == CRASH_EXIT_STATUS
        assert state in (old, new), f"a kill at write {write} left a mixed state"
        outcomes.append("new" if state == new else "old")
        assert (target / email).is_file() == (state == new)
        shutil.rmtree(target)
    assert state == new and outcomes[0] == "old" and outcomes[-1] == "new"
    assert len(outcomes) > 20 and outcomes == sorted(outcomes, key=["old", "new"].index)


def test_two_runs_at_once_one_is_refused_and_nothing_is_lost(state_dir: Path) -> None:
    first = started("run", state_dir=state_dir, until="etl run: state machine")
    second = etl_here("run", state_dir=state_dir)  # the lock is the running process's
    assert second.returncode == STATE_DIR_UNUSABLE
    assert f"is in use by another etl command (process {first.pid})" in second.stderr
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert len(saved_runs(state_dir)) == 2  # the baseline's and the first's
    assert_consistent(state_dir, date.today())


def test_every_command_waits_for_no_one_on_a_busy_dir(state_dir: Path, tmp_path: Path) -> None:
    """A process holding the lock: each command refuses at once, changes nothing, exit 4."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(state_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout and holder.stdout.readline() == "locked\n"
    manifest = (state_dir / MANIFEST).read_bytes()
    upload = tmp_path / "us.csv"
    upload.write_bytes(NYT_BYTES)
    try:
        refused = etl("run", state_dir=state_dir)  # a process's exit status
        assert refused.returncode == STATE_DIR_UNUSABLE, refused.stderr
        assert f"in use by another etl command (process {holder.pid})" in refused.stderr
        for command in (  # each command's answer: in this process
            ["run"],
            ["run", "--reset"],
            ["upload", str(upload), "--source", "nyt"],
            ["redrive"],
            ["trigger", "--from", "2020-04-01"],
            ["export"],
            ["runs"],
        ):
            refused = etl_here(*command, state_dir=state_dir)
            assert refused.returncode == STATE_DIR_UNUSABLE, command
            assert f"in use by another etl command (process {holder.pid})" in refused.stderr
    finally:
        holder.communicate("")
    assert (state_dir / MANIFEST).read_bytes() == manifest


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_mid_run_saves_nothing_and_blocks_no_run(
    state_dir: Path, signum: int
) -> None:
    """Started with both signals ignored, as a script's `etl run &` is: etl installs its own
    handlers, so `kill -INT` interrupts it there as Ctrl-C does at a terminal (the test once
    passed or failed with how pytest itself was started: Python keeps an inherited SIG_IGN)."""
    manifest = (state_dir / MANIFEST).read_bytes()
    process = started(  # the run lock is taken
        "run", state_dir=state_dir, until="  StartRun", launcher=SIGNALS_IGNORED
    )
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == INTERRUPTED
    assert "interrupted: nothing half-saved" in err and "Traceback" not in err
    assert (state_dir / MANIFEST).read_bytes() == manifest
    assert [r["status"] for r in saved_runs(state_dir)] == ["SUCCEEDED"]  # no RUNNING record kept
    if signum == signal.SIGINT:
        assert etl_here("run", state_dir=state_dir).returncode == 0  # not "in progress" for an hour


def test_the_state_grows_with_the_data_not_with_the_runs(state_dir: Path) -> None:
    """An unchanged run adds its run record, log and email (a few KB), not another copy of
    the sources (3.7 MB a run before the store)."""

    def size() -> int:
        return sum(p.stat().st_size for p in state_dir.rglob("*") if p.is_file())

    before = size()
    assert etl_here("run", "--as-of", BASELINE_DAY.isoformat(), state_dir=state_dir).returncode == 0
    assert size() - before < 50_000
    # Each run keeps its copy of the source by key; both keys name one stored object.
    objects = json.loads((state_dir / MANIFEST).read_text())["s3"]
    copies = [
        b for key, b in objects.items() if key.startswith("raw/") and key.endswith("/jhu.csv")
    ]
    assert len(copies) == 2 and len(set(copies)) == 1


@pytest.mark.parametrize("command", [["export"], ["runs"], ["redrive"]])
def test_export_runs_and_redrive_on_a_missing_or_foreign_dir_exit_4(
    tmp_path: Path, command: list[str]
) -> None:
    missing = etl_here(*command, state_dir=tmp_path / "nowhere")
    assert missing.returncode == STATE_DIR_UNUSABLE and "no local state in" in missing.stderr
    (tmp_path / "letter.txt").write_text("mine")
    foreign = etl_here(*command, state_dir=tmp_path)
    assert foreign.returncode == STATE_DIR_UNUSABLE and "not an etl state dir" in foreign.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["letter.txt"]


def test_reset_never_deletes_a_folder_that_is_not_a_state_dir(tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.docx").write_text("years of work")
    result = etl_here("run", "--reset", state_dir=documents)
    assert result.returncode == STATE_DIR_UNUSABLE
    assert "not an etl state dir" in result.stderr and "Traceback" not in result.stderr
    assert (documents / "thesis.docx").read_text() == "years of work"


@pytest.mark.parametrize(
    "damage, message",
    [
        ("legacy-corrupt", "not an etl state dir"),
        ("legacy", "older etl (aws-state.json)"),
        ("manifest", "is damaged (manifest.json"),
        ("marker", "not an etl state dir"),
    ],
)
def test_a_corrupt_or_foreign_state_is_refused_with_a_way_out(
    state_dir: Path, tmp_path: Path, damage: str, message: str
) -> None:
    if damage.startswith("legacy"):
        state_dir = tmp_path / "old"
        (state_dir / "s3").mkdir(parents=True)
        legacy = "{" if damage == "legacy-corrupt" else '{"dynamodb": {}, "sqs": {}}'
        (state_dir / "aws-state.json").write_text(legacy)
    elif damage == "manifest":
        (state_dir / MANIFEST).write_bytes(b"\0" * 10)
    else:
        (state_dir / MARKER).write_text("{}")
    for command in (["run"], ["export"], ["runs"]):
        result = etl_here(*command, state_dir=state_dir)
        assert result.returncode == STATE_DIR_UNUSABLE, (command, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    if damage in ("legacy", "manifest"):
        assert "etl run --reset --state-dir" in result.stderr
