"""ruff over the Python code, with the pyproject's configuration: lint and format, as `make lint`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_CODE = ["covid_etl", "etl_tools", "lambdas", "glue", "tests", "bench"]


def ruff(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("check", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_python_code_is_ruff_clean(check: list[str]) -> None:
    result = ruff(*check, *PYTHON_CODE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reports_unformatted_and_unclean_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    (tmp_path / "bad.py").write_text("import os\nx=[1,\n 2]\n")
    assert ruff("check", "bad.py", cwd=tmp_path).returncode == 1
    assert ruff("format", "--check", "bad.py", cwd=tmp_path).returncode == 1
