"""checkov over infra/: no failed check; every skip inline, next to its resource, with a reason."""

from __future__ import annotations

import json
import shutil
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


# A queue checkov must fail (CKV_AWS_27), scanned in the same run as infra/: checkov's start is
# most of a run's cost, so the negative case shares it.
KNOWN_BAD = "known-bad"
UNENCRYPTED_QUEUE = """resource "aws_sqs_queue" "q" {
  name                    = "q"
  sqs_managed_sse_enabled = false
}
"""


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    """One checkov run over a copy of infra/ beside a known-bad folder; a report's file paths
    are relative to the scanned folder, so infra/'s read as they do when infra/ is scanned."""
    folder = tmp_path_factory.mktemp("checkov") / "scan"
    shutil.copytree(INFRA, folder)
    (folder / KNOWN_BAD).mkdir()
    (folder / KNOWN_BAD / "main.tf").write_text(UNENCRYPTED_QUEUE)
    return checkov(folder)


def failed_checks(report: dict[str, Any], *, known_bad: bool) -> list[dict[str, Any]]:
    return [
        c
        for c in report["results"]["failed_checks"]
        if c["file_path"].startswith(f"/{KNOWN_BAD}/") == known_bad
    ]


def test_infra_passes_every_check(scan: tuple[int, dict[str, Any]]) -> None:
    _, report = scan
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in failed_checks(report, known_bad=False)
    ]
    assert not failed, "\n".join(failed)
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] >= 200 and summary["resource_count"] >= 40, summary


def test_every_skip_is_inline_with_a_reason(scan: tuple[int, dict[str, Any]]) -> None:
    _, report = scan
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert reason and reason != "No comment provided", check["check_id"]
        source = (INFRA / check["file_path"].lstrip("/")).read_text()
        assert f"#checkov:skip={check['check_id']}:{reason}" in source, check["check_id"]


def test_no_configuration_file_skips_checks_wholesale() -> None:
    for folder in (REPO, INFRA):
        for name in (".checkov.yaml", ".checkov.yml"):
            assert not (folder / name).exists(), folder / name


def test_checkov_fails_an_unencrypted_queue(scan: tuple[int, dict[str, Any]]) -> None:
    code, report = scan
    assert code == 1  # the known-bad queue's failure alone fails the run
    assert "CKV_AWS_27" in {c["check_id"] for c in failed_checks(report, known_bad=True)}
