"""The Rebuild job's entrypoint refuses what it cannot use with a message and exit code 2,
before any AWS call (its happy path runs end to end in tests/e2e/test_rebuild.py)."""

from __future__ import annotations

import pytest

from covid_etl import rebuild


def test_a_malformed_run_date_exits_2_with_its_reason(capsys: pytest.CaptureFixture) -> None:
    assert rebuild.main(["--run_id", "run-1", "--run_date", "2020-13-01"]) == 2
    assert "rebuild: month must be in 1..12" in capsys.readouterr().err


def test_missing_settings_exit_2_naming_them(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATA_BUCKET", raising=False)
    assert rebuild.main(["--run_id", "run-1", "--run_date", "2020-03-01"]) == 2
    assert "missing environment variables: DATA_BUCKET" in capsys.readouterr().err


def test_a_missing_argument_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        rebuild.main(["--run_id", "run-1"])
    assert exited.value.code == 2
