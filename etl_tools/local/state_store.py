"""The local state store: what the embedded AWS keeps between `etl` commands, in one state dir.

```
DIR/.etl-state        the marker: this folder is an etl state dir (format and version)
DIR/lock              flock'ed for the whole command: exclusive to write, shared to read
DIR/manifest.json     the committed state: S3 keys, tables, queues and output files -> blob ids
DIR/objects/<sha256>  content-addressed blobs, each written once and never changed
DIR/outbox/ dashboard/  output files, written from the manifest once it is committed
DIR/logs/             the run logs (not part of the state)
```

A commit writes the blobs it lacks (temporary file, fsync, rename, fsync of the folder), then
swaps in ``manifest.json`` the same way: that rename is the commit point. Before it the old
manifest names only blobs that exist, after it the new one does, so a crash at any point leaves
the previous or the new state, whole. Unchanged objects keep their blob, so the store grows with
the data, not with the number of runs; blobs no manifest names are deleted after the swap.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

MARKER = ".etl-state"
LOCK = "lock"
MANIFEST = "manifest.json"
OBJECTS = "objects"
OUTPUT_DIRS = ("outbox", "dashboard", "logs")
FORMAT = "covid-etl local state"
VERSION = 2
# What the first local runner wrote (one aws-state.json and an s3/ mirror): recognised, not read.
LEGACY_FILES = {"aws-state.json", "s3", *OUTPUT_DIRS}
# Tests only: "exit:N" ends the process at the Nth write as kill -9 would, "enospc:N" fails that
# write as a full disk would; "exit:committed" ends it right after the manifest swap.
FAULT_VARIABLE = "ETL_STATE_FAULT"
COMMITTED = "committed"
CRASH_EXIT_STATUS = 137  # what a shell reports for a process killed by SIGKILL


class StateDirError(Exception):
    """The state dir cannot be used; the message says why and what to do about it."""


@dataclass
class State:
    """Everything of the embedded AWS that outlives one command."""

    s3: dict[str, bytes] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # written under DIR once committed


def _reset_hint(root: Path) -> str:
    return f"`etl run --reset --state-dir {root}` starts afresh (the loaded table and run history are lost)"


class StateStore:
    """One state dir, locked for as long as the ``open`` block lasts."""

    def __init__(self, root: Path, writable: bool):
        self.root = root
        self.writable = writable
        self._writes = 0
        self._fault = _parse_fault(os.environ.get(FAULT_VARIABLE, ""))

    @classmethod
    @contextmanager
    def open(
        cls, root: Path, *, writable: bool, must_exist: bool = False, reset: bool = False
    ) -> Iterator[StateStore]:
        """Lock ``root`` for this command; refuse a dir that is busy, foreign or damaged.

        ``writable`` creates the dir (or adopts an empty one); ``reset`` forgets its state
        first, only in a dir that is a state dir. A reader of a dir without state gets an
        empty state, or with ``must_exist`` an error.
        """
        store = cls(Path(root), writable)
        kind = store._kind()
        if kind == "missing" and must_exist:
            raise StateDirError(f"no local state in {root}: run `etl run --state-dir {root}` first")
        if kind == "missing" and not writable:
            yield store  # nothing to read, nothing to lock
            return
        if kind == "foreign" or (kind == "legacy" and not reset):
            raise StateDirError(store._refusal(kind))
        store.root.mkdir(parents=True, exist_ok=True)
        with store._lock():
            if writable:
                store._clean_up(reset)
                store._write_marker()
                store._write_outputs(store._manifest())
            yield store

    # --- what the dir is --------------------------------------------------------------------

    def _kind(self) -> str:
        """missing (no dir, or an empty one), state, legacy or foreign."""
        if self.root.exists() and not self.root.is_dir():
            return "foreign"
        entries = {p.name for p in self.root.iterdir()} if self.root.is_dir() else set()
        # What an interrupted first command may leave: still an empty dir.
        entries = {e for e in entries if e != LOCK and not _is_temporary(e)}
        if not entries:
            return "missing"
        if MARKER not in entries:
            return "legacy" if _is_legacy(self.root, entries) else "foreign"
        try:
            marker = json.loads((self.root / MARKER).read_text())
        except (OSError, ValueError):
            marker = None
        if not isinstance(marker, dict) or marker.get("format") != FORMAT:
            return "foreign"
        if marker.get("version") != VERSION:
            raise StateDirError(
                f"{self.root} holds local state of version {marker.get('version')!r}; this etl "
                f"reads version {VERSION}: use the etl that wrote it, or {_reset_hint(self.root)}"
            )
        return "state"

    def _refusal(self, kind: str) -> str:
        if kind == "legacy":
            return (
                f"{self.root} holds local state of an older etl (aws-state.json), which this "
                f"version does not read: {_reset_hint(self.root)}, or pick another --state-dir"
            )
        return (
            f"{self.root} is not an etl state dir (no valid {MARKER} marker, and not empty): "
            "etl neither reads nor deletes it; pick an empty or new --state-dir"
        )

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.root / LOCK, "a+") as lock:
            try:
                fcntl.flock(
                    lock, (fcntl.LOCK_EX if self.writable else fcntl.LOCK_SH) | fcntl.LOCK_NB
                )
            except BlockingIOError:
                raise StateDirError(
                    f"{self.root} is in use by another etl command{_holder(lock)}: "
                    "wait for it to finish (one command per state dir at a time)"
                ) from None
            if self.writable:
                lock.truncate(0)
                lock.write(f"{os.getpid()}\n")
                lock.flush()
            try:
                yield  # the OS releases the lock when the process ends, however it ends
            finally:
                if self.writable:
                    lock.truncate(0)  # no stale process id for a reader's refusal to show

    def _write_marker(self) -> None:
        if not (self.root / MARKER).exists():
            marker = {"format": FORMAT, "version": VERSION}
            self._write_file(self.root / MARKER, json.dumps(marker).encode())

    def _clean_up(self, reset: bool) -> None:
        """Leftovers of an interrupted command; with ``reset``, everything etl keeps here."""
        if reset:
            for name in (MANIFEST, "aws-state.json"):
                if (self.root / name).exists():
                    self._step()
                    (self.root / name).unlink()
            for name in (OBJECTS, "s3", *OUTPUT_DIRS):
                if (self.root / name).is_dir():
                    self._step()
                    shutil.rmtree(self.root / name)
        for leftover in self.root.iterdir():
            if _is_temporary(leftover.name):
                leftover.unlink()

    # --- reading ----------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not self.root.is_dir() or not path.exists():
            return {"s3": {}, "tables": {}, "queues": {}, "files": {}}
        try:
            manifest = json.loads(path.read_bytes())
            if not all(
                isinstance(manifest.get(k), dict) for k in ("s3", "tables", "queues", "files")
            ):
                raise ValueError("a section is missing")
        except ValueError as exc:
            raise StateDirError(
                f"the state in {self.root} is damaged ({MANIFEST}: {exc}): {_reset_hint(self.root)}"
            ) from None
        return manifest

    def _blob(self, blob_id: str) -> bytes:
        try:
            data = (self.root / OBJECTS / blob_id).read_bytes()
        except OSError as exc:
            data, problem = b"", exc.strerror
        else:
            problem = "" if hashlib.sha256(data).hexdigest() == blob_id else "content changed"
        if problem:
            raise StateDirError(
                f"the state in {self.root} is damaged ({OBJECTS}/{blob_id}: {problem}): "
                f"{_reset_hint(self.root)}"
            )
        return data

    def load(self) -> State:
        """The committed state; every blob checked against its id."""
        manifest = self._manifest()
        try:
            return State(
                s3={key: self._blob(i) for key, i in manifest["s3"].items()},
                tables={name: json.loads(self._blob(i)) for name, i in manifest["tables"].items()},
                queues={url: json.loads(self._blob(i)) for url, i in manifest["queues"].items()},
            )
        except ValueError as exc:
            raise StateDirError(
                f"the state in {self.root} is damaged ({exc}): {_reset_hint(self.root)}"
            ) from None

    # --- writing ----------------------------------------------------------------------------

    def commit(self, state: State) -> None:
        """Make ``state`` the committed one, all of it or (after any failure) none of it."""
        assert self.writable, "a reader never commits"
        try:
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "s3": {key: self._put_blob(body) for key, body in sorted(state.s3.items())},
                "tables": {
                    name: self._put_blob(_canonical(items)) for name, items in state.tables.items()
                },
                "queues": {
                    url: self._put_blob(_canonical(msgs)) for url, msgs in state.queues.items()
                },
                "files": {path: self._put_blob(body) for path, body in state.files.items()},
            }
            self._write_file(
                self.root / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode()
            )
        except OSError as exc:
            raise StateDirError(
                f"could not save the local state in {self.root} ({exc.strerror or exc}); "
                "the previous state is kept"
            ) from None
        self._step(COMMITTED)
        try:
            self._write_outputs(manifest)
            self._collect_garbage(manifest)
        except OSError as exc:
            raise StateDirError(
                f"the state in {self.root} is saved, but writing its output files or deleting "
                f"old blobs failed ({exc.strerror or exc}); the next etl run finishes that"
            ) from None

    def _put_blob(self, data: bytes) -> str:
        blob_id = hashlib.sha256(data).hexdigest()
        path = self.root / OBJECTS / blob_id
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            self._write_file(path, data)
        return blob_id

    def _write_outputs(self, manifest: dict[str, Any]) -> None:
        """The files of the last commit (its emails, the dashboard page), if not written yet."""
        for relative, blob_id in manifest["files"].items():
            path = self.root / _inside(relative)
            data = self._blob(blob_id)
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._write_file(path, data)

    def _collect_garbage(self, manifest: dict[str, Any]) -> None:
        referenced = {
            i for section in ("s3", "tables", "queues", "files") for i in manifest[section].values()
        }
        objects = self.root / OBJECTS
        for path in sorted(objects.iterdir()) if objects.is_dir() else []:
            if path.name not in referenced:  # an old blob, or a temporary one a crash left
                self._step()
                path.unlink()

    def _write_file(self, path: Path, data: bytes) -> None:
        """Temporary file, fsync, rename over ``path``, fsync of its folder: all or nothing."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as out:
            out.write(data[: len(data) // 2])
            self._step()  # a crash here leaves half a temporary file, never half a state file
            out.write(data[len(data) // 2 :])
            out.flush()
            os.fsync(out.fileno())
        self._step()
        os.replace(temporary, path)
        _fsync_dir(path.parent)

    def _step(self, point: str = "") -> None:
        """Count a write (or name a point); the test hook ends or fails the process there."""
        if not point:
            self._writes += 1
        kind, at = self._fault
        if at == (point or str(self._writes)):
            if kind == "exit":
                os._exit(CRASH_EXIT_STATUS)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _parse_fault(spec: str) -> tuple[str, str]:
    kind, _, at = spec.partition(":")
    if not spec:
        return "", ""
    if kind not in ("exit", "enospc") or not (at.isdigit() or at == COMMITTED):
        raise StateDirError(
            f"{FAULT_VARIABLE}={spec}: expected exit:N, enospc:N or exit:{COMMITTED}"
        )
    return kind, at


def _is_legacy(root: Path, entries: set[str]) -> bool:
    if "aws-state.json" not in entries or not entries <= LEGACY_FILES:
        return False
    try:
        state = json.loads((root / "aws-state.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and set(state) == {"dynamodb", "sqs"}


def _is_temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def _holder(lock: TextIO) -> str:
    lock.seek(0)
    pid = lock.read().strip()
    return f" (process {pid})" if pid.isdigit() else ""


def _inside(relative: str) -> Path:
    path = PurePosixPath(relative)
    if (
        path.is_absolute()
        or ".." in path.parts
        or path.parts[:1] not in (("outbox",), ("dashboard",))
    ):
        raise StateDirError(f"refusing to write {relative!r}: not an output file of the state dir")
    return Path(*path.parts)


def _canonical(items: list[Any]) -> bytes:
    """The same bytes for the same items, so an unchanged table or queue keeps its blob."""
    return ("[" + ",\n".join(json.dumps(i, sort_keys=True) for i in items) + "]").encode()


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
