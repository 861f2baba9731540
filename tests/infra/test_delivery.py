"""Rules and alarms reach their encrypted targets on AWS, or park the event (docs/aws-review.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import delivery_check, tfconfig

OLD_KEY_STATEMENT = """
resource "aws_kms_key" "k" {
  policy = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "AlarmsAndRulesWriteToEncryptedTopicAndQueue"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["123456789012"]
    }
  }
}
"""

DESCRIBE_KEY_STATEMENT = """
resource "aws_kms_key" "k" {
  policy = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "EventBridgeDescribesTheKey"
    actions   = ["kms:DescribeKey"%s]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}
"""

TARGET_WITHOUT_DLQ = """
resource "aws_cloudwatch_event_target" "t" {
  rule = "r"
  arn  = "arn:aws:sns:us-east-1:123456789012:t"
}
"""


def test_every_key_statement_and_event_target_would_deliver_on_aws(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    encryption = infra_modules["modules/encryption"]
    assert delivery_check.key_policies(encryption), "the pipeline key's policy is checked"
    assert delivery_check.problems_in(infra_modules) == []


def test_every_module_with_a_rule_target_is_checked(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    targets = [
        b.address
        for m in infra_modules.values()
        for b in m.resources
        if b.type == "aws_cloudwatch_event_target"
    ]
    assert sorted(targets) == [
        "aws_cloudwatch_event_target.load_job_failed",
        "aws_cloudwatch_event_target.loader",
        "aws_cloudwatch_event_target.subscriber",
        "aws_cloudwatch_event_target.uploads",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (OLD_KEY_STATEMENT, "conditions events.amazonaws.com on aws:SourceAccount"),
        (OLD_KEY_STATEMENT, "scope it by kms:EncryptionContext"),
        (DESCRIBE_KEY_STATEMENT % ', "kms:Decrypt"', "scope it by kms:EncryptionContext"),
        (TARGET_WITHOUT_DLQ, "no dead_letter_config"),
        (TARGET_WITHOUT_DLQ, "no retry_policy"),
    ],
)
def test_the_delivery_check_rejects_the_old_mistakes(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "main.tf").write_text(text)
    problems = delivery_check.problems_in({"copy": tfconfig.load_module(tmp_path)})
    assert any(expected in p for p in problems), problems


def test_describing_the_key_needs_no_encryption_context(tmp_path: Path) -> None:
    """DescribeKey carries none: an encrypted bus's key policy grants it unscoped."""
    (tmp_path / "main.tf").write_text(DESCRIBE_KEY_STATEMENT % "")
    assert delivery_check.problems_in({"copy": tfconfig.load_module(tmp_path)}) == []
