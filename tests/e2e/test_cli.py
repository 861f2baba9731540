"""`etl` as a user runs it: a subprocess, exit codes, the progress lines and the email."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from conftest import independent_join

ETL = [sys.executable, "-m", "covid_etl.cli"]


def etl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ETL, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_run_export_runs_and_a_second_run_that_writes_nothing(tmp_path: Path) -> None:
    first = etl("run", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    for state in (
        "StartRun",
        "ExtractNyt",
        "ValidateJhu",
        "Transform",
        "PlanLoad",
        "StartLoadJob",
        "Reconcile",
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

    exported = etl("export", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    expected = independent_join()
    assert rows == [{k: str(v) for k, v in r.as_row().items()} for r in expected]
    # The SQL layer's view of the processed zone is the same table (README: SQL).
    queried = etl("query", "SELECT * FROM daily ORDER BY date", cwd=tmp_path)
    assert queried.returncode == 0, queried.stderr
    assert queried.stdout == exported.stdout

    second = etl("run", cwd=tmp_path)
    assert second.returncode == 0
    assert "inserted=0" in second.stdout and "updated=0" in second.stdout
    assert "NothingToLoad" in second.stdout

    history = etl("runs", cwd=tmp_path).stdout.splitlines()
    assert len(history) == 2
    assert "inserted=0" in history[0] and f"inserted={len(expected)}" in history[1]


def test_a_failed_run_exits_1_with_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "us.csv"
    bad.write_text("date,cases\n2020-03-01,1\n")
    result = etl("run", "--source", f"nyt={bad}", cwd=tmp_path)
    assert result.returncode == 1
    assert "source nyt: missing required column(s) deaths" in result.stderr
    assert "Subject: [covid-etl] FAILED" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (
        ("run", "--as-of", "yesterday"),
        ("run", "--fault", "melt:nyt"),
        ("run", "--fault", "http500:nyt:-1"),
        ("run", "--fault", "timeout:jhu:-3"),
        ("run", "--fault", "throttle:-2"),
        ("run", "--source", "cdc=x.csv"),
        ("nonsense",),
    ):
        result = etl(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "error:" in result.stderr


def test_help_documents_the_faults(tmp_path: Path) -> None:
    result = etl("run", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "http500:SOURCE:N" in result.stdout and "unprocessed:DAY" in result.stdout
