"""Every resource, data and provider block of infra/ against the hashicorp/aws 6.25.0 schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from . import schema_check, tfconfig

PINNED_PROVIDER = "6.25.0"


def test_schema_is_the_pinned_provider_version(schema: dict[str, Any]) -> None:
    assert schema["provider_version"] == PINNED_PROVIDER


def pins_exactly(versions_tf: str, version: str) -> bool:
    """The aws provider constraint admits that one version only ("6.25.0" or "= 6.25.0"):
    with no lock file (init cannot run offline) a range would let a newer provider in."""
    found = re.search(r'version\s*=\s*"(=\s*)?([0-9.]+)"', versions_tf)
    return found is not None and found.group(2) == version


def test_every_module_pins_the_provider_the_schema_describes() -> None:
    for folder in tfconfig.module_folders():
        text = (folder / "versions.tf").read_text()
        if "required_providers" in text:
            assert pins_exactly(text, PINNED_PROVIDER), folder


@pytest.mark.parametrize("constraint", ["~> 6.25", ">= 6.25.0", "6.26.0", "~> 6.25.0"])
def test_the_pin_check_rejects_a_range_or_another_version(constraint: str) -> None:
    assert not pins_exactly(f'aws = {{ version = "{constraint}" }}', PINNED_PROVIDER)


def test_the_reduced_schema_knows_the_provider(schema: dict[str, Any]) -> None:
    """Facts of the 6.25.0 schema the reduction must keep (names, required-ness, blocks)."""
    structs = schema["structs"]
    assert len(schema["resources"]) > 1500 and len(schema["data_sources"]) > 600

    subscription = structs[schema["resources"]["aws_sns_topic_subscription"]]
    assert {n for n, required in subscription["arguments"].items() if required} == {
        "endpoint",
        "protocol",
        "topic_arn",
    }
    schedule = structs[schema["resources"]["aws_scheduler_schedule"]]
    assert schedule["blocks"]["target"]["required"]
    assert schedule["blocks"]["flexible_time_window"]["required"]
    target = structs[schedule["blocks"]["target"]["struct"]]
    assert {"arn", "role_arn"} <= {n for n, required in target["arguments"].items() if required}
    assert "retry_policy" in target["blocks"]
    bucket = structs[schema["resources"]["aws_s3_bucket"]]
    assert bucket["arguments"]["bucket"] is False
    assert "versioning" in bucket["blocks"] and "tags" in bucket["arguments"]
    assert "statement" in structs[schema["data_sources"]["aws_iam_policy_document"]]["blocks"]


def test_infra_matches_the_provider_schema(
    schema: dict[str, Any], infra_modules: dict[str, tfconfig.Module]
) -> None:
    problems: list[str] = []
    checked: list[tfconfig.Block] = []
    for module in infra_modules.values():
        report = schema_check.check_module(module, schema)
        problems += report.problems
        checked += report.checked
    assert not problems, "\n".join(problems)
    # Every module contributes: a folder the parser silently skipped would show here.
    assert {block.file.parent for block in checked} >= {
        module.path for module in infra_modules.values() if module.resources or module.data
    }
    assert len(checked) >= 60, f"only {len(checked)} blocks checked"


def check(tmp_path: Path, schema: dict[str, Any], text: str) -> list[str]:
    (tmp_path / "main.tf").write_text(text)
    return schema_check.check_module(tfconfig.load_module(tmp_path), schema).problems


GOOD_QUEUE = """
resource "aws_sqs_queue" "retry" {
  name              = "q"
  kms_master_key_id = "alias/k"
  redrive_policy    = jsonencode({ maxReceiveCount = 3 })
  lifecycle {
    prevent_destroy = true
  }
}
"""


def test_a_correct_block_passes(tmp_path: Path, schema: dict[str, Any]) -> None:
    assert check(tmp_path, schema, GOOD_QUEUE) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD_QUEUE.replace("kms_master_key_id", "kms_master_key"),
            "aws_sqs_queue.retry: unknown argument kms_master_key (did you mean kms_master_key_id?)",
            id="misspelled-argument",
        ),
        pytest.param(
            'resource "aws_sns_topic_subscription" "mail" {\n  topic_arn = "t"\n  protocol = "email"\n}\n',
            "aws_sns_topic_subscription.mail: missing required argument endpoint",
            id="missing-required-argument",
        ),
        pytest.param(
            'resource "aws_scheduler_schedule" "daily" {\n  schedule_expression = "rate(1 day)"\n'
            '  flexible_time_window {\n    mode = "OFF"\n  }\n}\n',
            "aws_scheduler_schedule.daily: missing required block target",
            id="missing-required-block",
        ),
        pytest.param(
            'resource "aws_s3_bucket" "b" {\n  versioning = { enabled = true }\n}\n',
            "aws_s3_bucket.b: versioning is a block, write `versioning { ... }`",
            id="block-written-as-argument",
        ),
        pytest.param(
            'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = "r"\n'
            '  tracing_config {\n    mod = "Active"\n  }\n}\n',
            "aws_lambda_function.f > tracing_config: unknown argument mod (did you mean mode?)",
            id="misspelled-nested-argument",
        ),
        pytest.param(
            'data "aws_iam_policy_document" "d" {\n  dynamic "statements" {\n'
            "    for_each = []\n    content {}\n  }\n}\n",
            "data.aws_iam_policy_document.d: dynamic block of unknown block statements "
            "(did you mean statement?)",
            id="unknown-dynamic-block",
        ),
        pytest.param(
            'resource "aws_sqs_queues" "q" {}\n',
            "aws_sqs_queues.q: no resource type aws_sqs_queues in the provider",
            id="unknown-resource-type",
        ),
    ],
)
def test_the_check_fails(tmp_path: Path, schema: dict[str, Any], text: str, expected: str) -> None:
    problems = check(tmp_path, schema, text)
    assert any(problem.endswith(expected) for problem in problems), problems
