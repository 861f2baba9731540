"""The local state store alone: atomic commits under a crash or a full disk at every write."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from conftest import exit_status_in_a_child

from etl_tools.local import state_store
from etl_tools.local.state_store import (
    CRASH_EXIT_STATUS,
    FAULT_VARIABLE,
    MANIFEST,
    OBJECTS,
    State,
    StateDirError,
    StateStore,
)

OLD = State(
    s3={"snapshot/daily.csv": b"date\n2020-03-01", "raw/r1/jhu.csv": b"J" * 5000},
    tables={"daily": [{"date": {"S": "2020-03-01"}}], "runs": [{"pk": {"S": "RUN#r1"}}]},
    queues={"retry": []},
    files={"outbox/r1.txt": b"Subject: r1", "dashboard/index.html": b"page 1"},
)
NEW = State(
    s3={
        "snapshot/daily.csv": b"date\n2020-03-01\n2020-03-02",
        "raw/r1/jhu.csv": b"J" * 5000,
        "raw/r2/jhu.csv": b"J" * 5000,  # an unchanged source: the same blob
    },
    tables={
        "daily": [{"date": {"S": "2020-03-01"}}, {"date": {"S": "2020-03-02"}}],
        "runs": [{"pk": {"S": "RUN#r1"}}, {"pk": {"S": "RUN#r2"}}],
    },
    queues={"retry": [{"body": "2020-03-02", "receive_count": 1}]},
    files={"outbox/r2.txt": b"Subject: r2", "dashboard/index.html": b"page 2"},
)


def committed(root: Path, state: State) -> None:
    with StateStore.open(root, writable=True) as store:
        store.commit(state)


def reopened(root: Path) -> State:
    """What the next command sees (it also writes the outputs a crash left unwritten)."""
    with StateStore.open(root, writable=True) as store:
        return store.load()


def same(a: State, b: State) -> bool:
    return (a.s3, a.tables, a.queues) == (b.s3, b.tables, b.queues)


def outputs_of(root: Path, state: State) -> bool:
    return all((root / path).read_bytes() == body for path, body in state.files.items())


def test_a_round_trip_and_an_unchanged_commit_writes_no_blob(tmp_path: Path) -> None:
    committed(tmp_path, NEW)
    blobs = sorted((tmp_path / OBJECTS).iterdir())
    manifest = (tmp_path / MANIFEST).read_bytes()
    assert len(blobs) == 7  # 3 S3 objects of 2 contents, 2 tables, 1 queue, 2 files
    committed(tmp_path, NEW)
    assert sorted((tmp_path / OBJECTS).iterdir()) == blobs
    assert (tmp_path / MANIFEST).read_bytes() == manifest
    assert same(reopened(tmp_path), NEW) and outputs_of(tmp_path, NEW)


def test_old_blobs_are_deleted_once_a_new_state_is_committed(tmp_path: Path) -> None:
    committed(tmp_path, OLD)
    committed(tmp_path, NEW)
    referenced = set(json.loads((tmp_path / MANIFEST).read_text())["s3"].values())
    on_disk = {p.name for p in (tmp_path / OBJECTS).iterdir()}
    assert referenced <= on_disk and len(on_disk) == 7


@pytest.fixture
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync keeps a commit through a power loss, which no test here makes: a killed process
    or a full disk leaves the page cache as it was. The loops below commit ~150 times, and
    their ~800 fsyncs were most of their time (a forked child inherits the stub)."""
    monkeypatch.setattr(state_store.os, "fsync", lambda descriptor: None)


@pytest.mark.usefixtures("no_fsync")
def test_a_kill_at_every_write_leaves_the_old_or_the_new_state_whole(tmp_path: Path) -> None:
    """kill -9 (os._exit) at write 1, 2, ... until a commit gets through: each time the next
    command finds exactly the old state or exactly the new one, with its outputs."""
    outcomes = []
    for write in range(1, 200):
        root = tmp_path / str(write)
        committed(root, OLD)
        # as `etl run` commits its state at its end
        status = exit_status_in_a_child(
            partial(committed, root, NEW), {FAULT_VARIABLE: f"exit:{write}"}
        )
        state = reopened(root)
        if status == 0:
            break
        assert status == CRASH_EXIT_STATUS
        if same(state, OLD):
            outcomes.append("old")
            assert outputs_of(root, OLD) and not (root / "outbox" / "r2.txt").exists()
        else:
            assert same(state, NEW), f"a crash at write {write} left a mixed state"
            outcomes.append("new")
            assert outputs_of(root, NEW)
        committed(root, NEW)  # and the next command commits over whatever it found
        assert same(reopened(root), NEW)
    # Every blob (half and whole), the manifest, the outputs and each old blob's deletion.
    assert len(outcomes) >= 20 and outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes == sorted(outcomes, key=["old", "new"].index)  # one commit point


@pytest.mark.usefixtures("no_fsync")
def test_a_full_disk_at_any_write_keeps_the_previous_state_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for write in range(1, 200):
        root = tmp_path / str(write)
        committed(root, OLD)
        monkeypatch.setenv(FAULT_VARIABLE, f"enospc:{write}")
        try:
            committed(root, NEW)
        except StateDirError as exc:
            message = str(exc)
        else:
            break
        finally:
            monkeypatch.delenv(FAULT_VARIABLE)
        state = reopened(root)
        assert "No space left on device" in message
        if "the previous state is kept" in message:
            assert same(state, OLD)
        else:
            assert same(state, NEW) and "is saved" in message and outputs_of(root, NEW)
    assert write > 20


def test_a_damaged_store_is_refused_with_a_way_out(tmp_path: Path) -> None:
    committed(tmp_path, NEW)
    blob = next(iter(json.loads((tmp_path / MANIFEST).read_text())["s3"].values()))
    (tmp_path / OBJECTS / blob).write_bytes(b"tampered")
    with pytest.raises(StateDirError, match=f"damaged.*{blob}: content changed.*--reset"):
        reopened(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(StateDirError, match=f"damaged \\({MANIFEST}.*--reset"):
        reopened(tmp_path)


def test_a_foreign_folder_is_neither_read_nor_reset(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("years of work")
    for reset in (False, True):
        with (
            pytest.raises(StateDirError, match="not an etl state dir"),
            StateStore.open(tmp_path, writable=True, reset=reset),
        ):
            pass
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    committed(tmp_path, OLD)
    (tmp_path / state_store.MARKER).write_text(
        json.dumps({"format": state_store.FORMAT, "version": 99})
    )
    with pytest.raises(StateDirError, match="version 99"):
        reopened(tmp_path)


def test_reset_forgets_the_state_and_keeps_other_files(tmp_path: Path) -> None:
    committed(tmp_path, NEW)
    (tmp_path / "notes.txt").write_text("mine")
    with StateStore.open(tmp_path, writable=True, reset=True) as store:
        assert same(store.load(), State())
    assert not (tmp_path / "outbox").exists() and (tmp_path / "notes.txt").read_text() == "mine"


def test_a_reader_of_a_missing_dir_is_told_to_run_first(tmp_path: Path) -> None:
    with (
        pytest.raises(StateDirError, match="no local state in .*: run `etl run"),
        StateStore.open(tmp_path / "nowhere", writable=False, must_exist=True),
    ):
        pass
    assert not (tmp_path / "nowhere").exists()


def test_the_first_runner_s_state_is_recognised_and_only_reset(tmp_path: Path) -> None:
    (tmp_path / "s3" / "snapshot").mkdir(parents=True)
    (tmp_path / "aws-state.json").write_text('{"dynamodb": {}, "sqs": {}}')
    with pytest.raises(StateDirError, match="older etl .* --reset"):
        reopened(tmp_path)
    with StateStore.open(tmp_path, writable=True, reset=True) as store:
        assert same(store.load(), State())
    assert not (tmp_path / "aws-state.json").exists() and not (tmp_path / "s3").exists()
