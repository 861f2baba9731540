"""checkov over infra/: no failed check; every skip inline, next to its resource, with a reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .tfconfig import INFRA, REPO

CHECKOV = REPO / ".tools" / "checkov" / "bin" / "checkov"


def checkov(folder: Path) -> tuple[int, dict[str, Any]]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make checkov` (make test does)", pytrace=False)
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(folder),
            "--framework",
            "terraform",
            "--skip-download",
            "-o",
            "json",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), f"checkov crashed:\n{result.stderr}"
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="module")
def infra_report() -> tuple[int, dict[str, Any]]:
    return checkov(INFRA)


def test_infra_passes_every_check(infra_report: tuple[int, dict[str, Any]]) -> None:
    code, report = infra_report
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert code == 0
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] >= 200 and summary["resource_count"] >= 40, summary


def test_every_skip_is_inline_with_a_reason(infra_report: tuple[int, dict[str, Any]]) -> None:
    _, report = infra_report
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert reason and reason != "No comment provided", check["check_id"]
        source = (INFRA / check["file_path"].lstrip("/")).read_text()
        assert f"#checkov:skip={check['check_id']}:{reason}" in source, check["check_id"]


def test_no_configuration_file_skips_checks_wholesale() -> None:
    for folder in (REPO, INFRA):
        for name in (".checkov.yaml", ".checkov.yml"):
            assert not (folder / name).exists(), folder / name


def test_checkov_fails_an_unencrypted_queue(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\n  name                    = "q"\n'
        "  sqs_managed_sse_enabled = false\n}\n"
    )
    code, report = checkov(tmp_path)
    assert code == 1
    assert "CKV_AWS_27" in {c["check_id"] for c in report["results"]["failed_checks"]}
