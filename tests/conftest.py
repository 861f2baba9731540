"""Shared fixtures: the real pipeline on the embedded AWS, and the shipped source files."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from unittest import mock

import boto3
import pytest

from covid_etl import aws
from covid_etl.records import DailyRecord
from etl_tools.cli import main
from etl_tools.local.moto_bridge import LoadFaults, dump_messages, execution_status, table_items
from etl_tools.local.runner import (
    LocalStack,
    RunResult,
    embedded_aws,
    follow_run,
    local_names,
    logs_to,
    run_pipeline,
)
from etl_tools.local.sources_server import DEFAULT_FILES, SourcesServer, UpstreamFaults, cut_at
from etl_tools.local.state_store import StateStore

ETL = [sys.executable, "-m", "etl_tools.cli"]
NYT_BYTES = DEFAULT_FILES["nyt"].read_bytes()
JHU_BYTES = DEFAULT_FILES["jhu"].read_bytes()


def etl(
    *args: str, state_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`etl ARGS --state-dir DIR` as a user runs it: a real process."""
    return subprocess.run(
        [*ETL, *args, "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def etl_here(*args: str, state_dir: Path) -> subprocess.CompletedProcess:
    """`etl ARGS --state-dir DIR` in this process: `main` is what the process runs, less its
    start-up (~1-3 s of imports before it reads a word). For what a command answers (exit
    status, messages, what it left in the dir); what only a process shows (a lock held by a
    running command, signals, kill -9) stays with `etl`."""
    out, err = io.StringIO(), io.StringIO()
    # main's SIGTERM handler is the process's, not pytest's.
    with redirect_stdout(out), redirect_stderr(err), mock.patch.object(signal, "signal"):
        try:
            status = main([*args, "--state-dir", str(state_dir)])
        except SystemExit as exited:  # argparse's usage errors
            status = exited.code
    return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())


def etl_in_a_child(
    *args: str, state_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`etl ARGS --state-dir DIR` in a forked child of this process: a process of its own (the
    state store's fault hook may end it with os._exit at any write, as kill -9 would), without
    the interpreter's start and imports a fresh `etl` process pays (~5 s of CPU a run)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:

        def work() -> int:
            # Unbuffered: what was printed is in the file even if the child ends at os._exit.
            sys.stdout = io.TextIOWrapper(
                io.FileIO(out.fileno(), "w", closefd=False), write_through=True
            )
            sys.stderr = io.TextIOWrapper(
                io.FileIO(err.fileno(), "w", closefd=False), write_through=True
            )
            try:
                return main([*args, "--state-dir", str(state_dir)])
            except SystemExit as exited:
                return int(exited.code or 0)

        status = exit_status_in_a_child(work, env)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            list(args), status, out.read().decode(), err.read().decode()
        )


def saved_table(state_dir: Path) -> list[dict[str, str]]:
    """The loaded table a state dir holds, as `etl export` prints it (CSV rows), read from its
    store in this process: a test of what a command saved needs no `etl export` process
    (~3 s each); `etl export` itself is tested in tests/e2e/test_cli.py."""
    records = sorted(DailyRecord.from_row(item) for item in _saved_items(state_dir, "daily"))
    return [{k: str(v) for k, v in r.as_row().items()} for r in records]


def saved_runs(state_dir: Path) -> list[dict]:
    """The run records a state dir holds, newest first, as `etl runs --json` prints them."""
    runs = [r for r in _saved_items(state_dir, "runs") if r["pk"].startswith(aws.RUN_KEY_PREFIX)]
    return sorted(runs, key=lambda r: r.get("started_at", ""), reverse=True)


def _saved_items(state_dir: Path, table: str) -> list[dict]:
    names = local_names()
    with StateStore.open(state_dir, writable=False, must_exist=True) as store:
        items = store.load().tables[names.daily_table if table == "daily" else names.runs_table]
    return [aws.from_item(item) for item in items]


def exit_status_in_a_child(
    work: Callable[[], int | None], env: dict[str, str] | None = None
) -> int:
    """Run ``work`` in a forked child with these environment variables; its exit status (what
    it returned, 0 for None; 1 when it raised). The state store's fault hook ends a child with
    os._exit, at that instruction, as kill -9 would; a fork pays no interpreter start and
    imports, which a fresh `python -c` per killed write did (~0.5 s each)."""
    pid = os.fork()
    if pid == 0:  # the child: it never returns into pytest
        status = 1
        try:
            os.environ.update(env or {})
            status = work() or 0
        finally:
            os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def revised_nyt(*days: str, bump: int = 1) -> bytes:
    """The NYT file with these days' cases increased: a delta to load."""
    lines = []
    for line in NYT_BYTES.decode().split("\n"):
        day, cases, deaths = line.split(",")
        lines.append(f"{day},{int(cases) + bump},{deaths}" if day in days else line)
    return "\n".join(lines).encode()


def large_revision(bump: int = 1000) -> bytes:
    """The NYT file with 20 of the 261 joined days revised: 7.7 % of the loaded history, over
    the approval gate's default 5 %."""
    days = [r.date.isoformat() for r in independent_join()][-40:-20]
    return revised_nyt(*days, bump=bump)


def independent_join(nyt: bytes = NYT_BYTES, jhu: bytes = JHU_BYTES) -> list[DailyRecord]:
    """The expected table, computed straight from the files with the csv module."""
    recovered = {
        row["Date"]: int(row["Recovered"])
        for row in csv.DictReader(jhu.decode().splitlines())
        if row["Country/Region"] == "US" and row["Province/State"] == ""
    }
    return [
        DailyRecord(
            date.fromisoformat(r["date"]), int(r["cases"]), int(r["deaths"]), recovered[r["date"]]
        )
        for r in csv.DictReader(nyt.decode().splitlines())
        if r["date"] in recovered
    ]


class Pipeline:
    """One embedded AWS account and one upstream server; each ``run`` is a real execution."""

    def __init__(self, stack: LocalStack, server: SourcesServer):
        self.stack = stack
        self.server = server

    def run(
        self,
        *,
        nyt: bytes = NYT_BYTES,
        jhu: bytes = JHU_BYTES,
        as_of: date | None = None,
        upstream: dict[str, UpstreamFaults] | None = None,
        raise_in: set[str] | None = None,
        load: LoadFaults | None = None,
        rebuild: bool = False,
    ) -> RunResult:
        self.server.bodies = {
            "nyt": cut_at(nyt, "nyt", as_of) if as_of else nyt,
            "jhu": cut_at(jhu, "jhu", as_of) if as_of else jhu,
        }
        self.server.faults = upstream or {}
        self.stack.bridge.raise_in = raise_in or set()
        self.stack.bridge.load_faults = load or LoadFaults()
        trigger: dict[str, object] = {"as_of": as_of.isoformat()} if as_of else {}
        if rebuild:
            trigger["rebuild"] = True
        return run_pipeline(self.stack, trigger=trigger)

    def answer(self, paused: RunResult, *, approve: bool, by: str = "user/alice") -> RunResult:
        """Answer a run paused at the approval gate with its task token, as the API does on
        AWS (SendTaskSuccess / SendTaskFailure), and follow it to its end."""
        assert paused.paused and paused.run, "the run did not pause"
        sfn = boto3.client("stepfunctions")
        token = paused.run["approval_token"]
        if approve:
            output = json.dumps({"approved": True, "approved_by": by})
            sfn.send_task_success(taskToken=token, output=output)
        else:
            sfn.send_task_failure(taskToken=token, error="Rejected", cause=f"rejected by {by}")
        return self.ended(paused.run_id)

    def ended(self, run_id: str) -> RunResult:
        """Follow an execution until it ends (a paused one may still wait for its timeout)."""
        arn = self.stack.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{run_id}"
        while execution_status(arn) == "RUNNING":  # as the runner polls it
            time.sleep(0.1)
        with logs_to(self.stack.state_dir / "logs" / f"{run_id}.jsonl"):
            return follow_run(self.stack, run_id)

    def table(self) -> list[DailyRecord]:
        """The loaded table, read in moto's backend: a Scan through the API spends ~0.15 s in
        moto's serializing of the national table, and the tests read it ~40 times."""
        items = table_items(self.stack.settings.daily_table)
        return sorted(DailyRecord.from_row(aws.from_item(item)) for item in items)

    def dlq_bodies(self) -> list[str]:
        return [m["body"] for m in dump_messages(self.stack.settings.retry_dlq_url)]

    def retry_queue(self) -> list[dict]:
        return dump_messages(self.stack.settings.retry_queue_url)


@contextmanager
def process_state_kept() -> Iterator[None]:
    """Put back os.environ and boto3's default session, which the embedded AWS replaces (its
    credentials, region and settings): no later test in the process sees another's account."""
    environ, session = dict(os.environ), boto3.DEFAULT_SESSION
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        boto3.DEFAULT_SESSION = session


@pytest.fixture(autouse=True)
def _process_state_kept() -> Iterator[None]:
    with process_state_kept():
        yield


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A fresh embedded account per test module (creating the state machine costs ~3 s)."""
    state_dir = tmp_path_factory.mktemp("state")
    with (
        process_state_kept(),
        SourcesServer() as server,
        embedded_aws(state_dir, source_urls=server.urls, save=False) as stack,
    ):
        yield Pipeline(stack, server)


@pytest.fixture(scope="module")
def loaded(pipeline: Pipeline) -> Pipeline:
    """The module's account after a run of the shipped files: tests that change something
    compare with the table as they found it, so each passes alone or after the others."""
    assert pipeline.run().status == "SUCCEEDED"
    return pipeline


# The slowest e2e modules (`--durations=0`, summed per file), handed out first.
SLOWEST_FIRST = ("test_state_dir.py", "test_approval.py", "test_faults.py", "test_cli.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e modules first, the slowest of them before the others, each still whole and in
    order: under `--dist loadfile` a slow file handed out last bounds the suite's wall time
    while the other workers idle; the quick files fill in behind them."""

    def rank(item: pytest.Item) -> tuple[bool, int]:
        name = item.path.name
        return item.path.parent.name != "e2e", (
            SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)
        )

    items.sort(key=rank)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker more than the cores. The e2e tests also wait (on an `etl` process,
    a server, a lock's retry, the approval gate's timeout), and the extra worker fills that
    time: on this 2-core machine 171 s instead of 183 s for the same suite."""
    return (os.cpu_count() or 1) + 1
