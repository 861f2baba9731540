"""`terraform fmt -check -recursive infra`: the canonical layout, or a diff saying where not."""

from __future__ import annotations

from pathlib import Path

from . import terraform_cli
from .tfconfig import INFRA, REPO


def fmt_check(folder: Path) -> tuple[int, str]:
    result = terraform_cli.run(
        ["fmt", "-check", "-recursive", "-diff", "-no-color", str(folder)], REPO
    )
    return result.returncode, result.stdout


def test_infra_is_formatted() -> None:
    code, diff = fmt_check(INFRA)
    assert code == 0, f"run `terraform fmt -recursive infra`:\n{diff}"


def test_fmt_check_fails_on_a_misformatted_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\nname="x"\n  fifo_queue    =   false\n}\n'
    )
    code, diff = fmt_check(tmp_path)
    assert code != 0
    assert "main.tf" in diff
