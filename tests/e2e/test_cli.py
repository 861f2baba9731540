"""`etl` as a user runs it: one `etl run` as a real process (the README's command: its exit
code, progress lines and email) and a real exit 1 and 2. Every other command (the runs after
it, a failed run, an upload, what a command prints about a saved state, its help and its
refusals) runs its `main` in this process (conftest.etl_here): each reads only the state dir
and starts its own embedded account, as a process would, less ~5 s of start-up."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
from contextlib import redirect_stdout
from importlib.metadata import version
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest
from conftest import etl_here, independent_join

from etl_tools.cli import main
from etl_tools.local.sources_server import DEFAULT_FILES

ETL = [sys.executable, "-m", "etl_tools.cli"]
STATE_DIR = Path(".etl")  # etl's default, relative to the test's folder


def etl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ETL, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_run_export_runs_and_a_second_run_that_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = etl("run", cwd=tmp_path)  # the one real `etl run` process
    assert first.returncode == 0, first.stderr
    for state in (
        "StartRun",
        "ExtractNyt",
        "ValidateJhu",
        "TransformSources",
        "PlanLoad",
        "StartLoadJob",
        "ReconcileLoad",
        "CommitSnapshot",
        "FinishRun",
        "Notify",
    ):
        assert f"  {state} " in first.stdout
    assert "Subject: [covid-etl] SUCCEEDED" in first.stdout
    assert (tmp_path / ".etl" / "dashboard" / "index.html").is_file()
    assert "dashboard: .etl/dashboard/index.html" in first.stdout
    [email] = (tmp_path / ".etl" / "outbox").iterdir()
    assert "accounting: OK" in email.read_text()

    monkeypatch.chdir(tmp_path)  # the commands after it in this process (conftest.etl_here)
    exported = etl_here("export", state_dir=STATE_DIR)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    expected = independent_join()
    assert rows == [{k: str(v) for k, v in r.as_row().items()} for r in expected]
    # The SQL layer's view of the processed zone is the same table (README: SQL).
    queried = etl_here("query", "SELECT * FROM daily ORDER BY date", state_dir=STATE_DIR)
    assert queried.returncode == 0, queried.stderr
    assert queried.stdout == exported.stdout

    second = etl_here("run", state_dir=STATE_DIR)
    assert second.returncode == 0
    assert "inserted=0" in second.stdout and "updated=0" in second.stdout
    assert "NothingToLoad" in second.stdout
    # a new command serves the sources on a new port: the saved ETags still apply (README)
    for source in ("nyt", "jhu"):
        assert f"Source {source}: " in second.stdout
        assert "unchanged upstream (HTTP 304)" in second.stdout.split(f"Source {source}: ")[1]

    history = etl_here("runs", state_dir=STATE_DIR).stdout.splitlines()
    assert len(history) == 2
    assert "inserted=0" in history[0] and f"inserted={len(expected)}" in history[1]


def test_a_failed_run_exits_1_with_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "us.csv"
    bad.write_text("date,cases\n2020-03-01,1\n")
    result = etl_here("run", "--source", f"nyt={bad}", state_dir=tmp_path / ".etl")
    assert result.returncode == 1
    assert "source nyt: missing required column(s) deaths" in result.stderr
    assert "Subject: [covid-etl] FAILED" in result.stdout
    # A real process exits 1 with the error alone, no traceback (`show` on the same dir: a
    # process of its own that costs no run).
    missing = etl("show", "run-nope", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr == "etl show: error: no run 'run-nope' in .etl\n"


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--as-of", "yesterday"),
        ("run", "--as-of", "2999-01-01"),
        ("run", "--fault", "melt:nyt"),
        ("run", "--fault", "http500:nyt:-1"),
        ("run", "--fault", "timeout:jhu:-3"),
        ("run", "--fault", "throttle:-2"),
        ("run", "--source", "cdc=x.csv"),
        ("trigger", "--from", "2020-05-01", "--to", "2020-04-01"),
        ("export", "--from", "2020-05-01", "--to", "2020-04-01"),
        ("export", "--format", "xlsx"),
        ("runs", "--limit", "0"),
        ("runs", "--status", "DONE"),
        ("show",),
        ("nonsense",),
    ],
)
def test_usage_errors_exit_2(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In this process (`main` is what the process runs; each `etl` process costs ~1 s before
    it parses a word): the exit status is argparse's SystemExit or main's return."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # main's SIGTERM handler: not pytest's
    try:
        status = main(list(args))
    except SystemExit as exited:
        status = exited.code
    assert status == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / ".etl").exists()  # refused before anything started


def test_a_usage_error_is_exit_2_from_the_process(tmp_path: Path) -> None:
    result = etl("run", "--as-of", "yesterday", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: argument --as-of: not a date (YYYY-MM-DD): 'yesterday'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reversed_backfill_window_is_refused_with_its_reason(tmp_path: Path) -> None:
    result = etl_here(
        "trigger", "--from", "2020-05-01", "--to", "2020-04-01", state_dir=tmp_path / ".etl"
    )
    assert result.returncode == 2
    assert "empty window: --from 2020-05-01 is after --to 2020-04-01" in result.stderr
    assert not (tmp_path / ".etl").exists()


def test_show_runs_export_and_version_on_a_real_local_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nyt = tmp_path / "us.csv"
    nyt.write_bytes(DEFAULT_FILES["nyt"].read_bytes().rstrip(b"\n") + b"\n2020-02-30,1,1\n")
    bad_line = len(nyt.read_bytes().splitlines())
    monkeypatch.chdir(tmp_path)  # the commands in this process (conftest.etl_here)
    assert etl_here("run", "--source", f"nyt={nyt}", state_dir=STATE_DIR).returncode == 0

    runs = etl_here("runs", "--status", "SUCCEEDED", "--limit", "1", state_dir=STATE_DIR)
    [line] = runs.stdout.splitlines()
    run_id = line.split()[0]
    assert "  schedule  " in line
    assert etl_here("runs", "--status", "FAILED", state_dir=STATE_DIR).stdout == ""

    shown = etl_here("show", run_id, state_dir=STATE_DIR)
    assert shown.returncode == 0, shown.stderr
    assert f"run {run_id}: SUCCEEDED" in shown.stdout
    assert "trigger: schedule" in shown.stdout and "rejected=1" in shown.stdout
    for state in ("StartRun", "ExtractNyt", "StartLoadJob", "Notify"):
        assert f"\n  {state} " in shown.stdout
    assert f"rejected nyt line {bad_line}: impossible date" in shown.stdout
    assert f"log: .etl/logs/{run_id}.jsonl\n" in shown.stdout

    window = ("--from", "2020-04-01", "--to", "2020-04-03")
    expected = [
        {k: str(v) for k, v in r.as_row().items()}
        for r in independent_join()
        if "2020-04-01" <= r.date.isoformat() <= "2020-04-03"
    ]
    as_csv = etl_here("export", *window, state_dir=STATE_DIR).stdout
    assert list(csv.DictReader(io.StringIO(as_csv))) == expected
    # The formats' rules (JSON's numbers, Parquet's types) are tests/unit/test_export.py's; a
    # binary one goes to stdout's bytes.
    table = pq.read_table(io.BytesIO(parquet_exported(*window))).to_pylist()
    assert [{k: str(v) for k, v in row.items()} for row in table] == expected

    assert etl_here("--version", state_dir=STATE_DIR).stdout == f"etl {version('covid-etl')}\n"


def parquet_exported(*window: str) -> bytes:
    """What `etl export --format parquet` writes to its stdout's bytes, in this process (a
    binary stdout, which conftest.etl_here's text capture has not)."""
    written = io.BytesIO()
    stdout = io.TextIOWrapper(written, encoding="utf-8")
    with redirect_stdout(stdout), mock.patch.object(signal, "signal"):
        status = main(["export", *window, "--format", "parquet", "--state-dir", str(STATE_DIR)])
    stdout.flush()
    assert status == 0
    return written.getvalue()


def test_help_documents_the_faults(tmp_path: Path) -> None:
    result = etl_here("run", "--help", state_dir=tmp_path / ".etl")
    assert result.returncode == 0
    assert "http500:SOURCE:N" in result.stdout and "unprocessed:DAY" in result.stdout


def test_the_same_file_uploaded_twice_keeps_two_runs_each_with_its_record_log_and_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner_file = tmp_path / "us.csv"
    partner_file.write_bytes(DEFAULT_FILES["nyt"].read_bytes())
    started = []
    monkeypatch.chdir(tmp_path)  # the commands in this process (conftest.etl_here)
    for _ in range(2):  # each command its own embedded account: the first execution's name gone
        result = etl_here("upload", str(partner_file), "--source", "nyt", state_dir=STATE_DIR)
        assert result.returncode == 0, result.stderr
        [line] = [x for x in result.stdout.splitlines() if x.startswith("etl upload: started ")]
        started.append(line.removeprefix("etl upload: started "))
    assert started[0] != started[1]
    history = etl_here("runs", state_dir=STATE_DIR).stdout.splitlines()
    assert [line.split()[0] for line in history] == started[::-1]  # no run re-started either
    assert all("  upload  " in line for line in history)
    for run_id in started:
        assert (tmp_path / ".etl" / "outbox" / f"{run_id}.txt").is_file()
        log = tmp_path / ".etl" / "logs" / f"{run_id}.jsonl"
        assert {json.loads(x)["run_id"] for x in log.read_text().splitlines()} == {run_id}
        shown = etl_here("show", run_id, state_dir=STATE_DIR).stdout
        assert "trigger: upload" in shown and f"log: .etl/logs/{run_id}.jsonl\n" in shown
