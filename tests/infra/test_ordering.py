"""Permissions AWS checks at create time exist before the create (docs/aws-review.md)."""

from __future__ import annotations

from pathlib import Path

from . import ordering_check, tfconfig

WITHOUT_DEPENDS_ON = """
resource "aws_iam_role" "machine" {
  name               = "m"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "machine" {
  role   = aws_iam_role.machine.id
  policy = "{}"
}

resource "aws_sfn_state_machine" "daily" {
  name       = "d"
  role_arn   = aws_iam_role.machine.arn
  definition = "{}"
}
"""


def test_every_role_checked_at_create_has_its_policy_first(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    checked = {
        b.address for m in infra_modules.values() for b in ordering_check.checked_resources(m)
    }
    assert checked == {
        "aws_sfn_state_machine.daily",
        "aws_lambda_function.step",
        "aws_scheduler_schedule.daily",
        "aws_glue_job.load",
    }
    problems = [p for m in infra_modules.values() for p in ordering_check.ordering_problems(m)]
    assert problems == []


def test_the_ordering_check_rejects_a_state_machine_created_before_its_policy(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(WITHOUT_DEPENDS_ON)
    [problem] = ordering_check.ordering_problems(tfconfig.load_module(tmp_path))
    assert "does not depend on aws_iam_role_policy.machine" in problem
    fixed = WITHOUT_DEPENDS_ON.replace(
        'definition = "{}"', 'definition = "{}"\n  depends_on = [aws_iam_role_policy.machine]'
    )
    (tmp_path / "main.tf").write_text(fixed)
    assert ordering_check.ordering_problems(tfconfig.load_module(tmp_path)) == []
