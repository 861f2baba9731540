"""Every alarm can fire on the failure it names (docs/aws-review.md, "alarms")."""

from __future__ import annotations

from pathlib import Path

from . import alarm_check, tfconfig

UNFILLED_SUM = """
resource "aws_cloudwatch_metric_alarm" "failed" {
  alarm_name         = "x"
  treat_missing_data = "notBreaching"

  metric_query {
    id         = "unsuccessful"
    expression = "failed + FILL(timed_out, 0)"
  }

  dynamic "metric_query" {
    for_each = { failed = "ExecutionsFailed", timed_out = "ExecutionsTimedOut" }
    content {
      id = metric_query.key
      metric {
        metric_name = metric_query.value
      }
    }
  }
}
"""


def test_every_metric_math_alarm_fills_its_gaps(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    checked = [a for m in infra_modules.values() for a in alarm_check.alarms(m.resources)]
    assert any(alarm_check.expressions(a) for a in checked), "the executions alarm is checked"
    assert alarm_check.problems_in(infra_modules) == []


def test_the_fill_check_rejects_a_plain_sum(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(UNFILLED_SUM)
    module = tfconfig.load_module(tmp_path)
    problems = alarm_check.problems_in({"copy": module})
    assert len(problems) == 1 and "series 'failed'" in problems[0]


def test_a_breaching_alarm_needs_no_fill(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(UNFILLED_SUM.replace('"notBreaching"', '"breaching"'))
    assert alarm_check.problems_in({"copy": tfconfig.load_module(tmp_path)}) == []
