"""The upload trigger as Terraform deploys it: the data bucket's events -> the upload rule ->
the upload queue (and its DLQ) -> start_from_upload -> the state machine; and the Parquet zone's
library set on the Glue job."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from covid_etl.uploads import LANDING_PREFIX, parse_upload_event, upload_event_pattern
from etl_tools.naming import Names

from . import terraform_cli, tfconfig

NAMES = Names(environment="dev", account_id="123456789012")
OTHER_BUCKET = "someone-elses-bucket"


@functools.cache  # parsed once per process: no test changes a Module
def root() -> tfconfig.Module:
    return tfconfig.load_module(tfconfig.INFRA)


@functools.cache
def module(name: str) -> tfconfig.Module:
    return tfconfig.load_module(tfconfig.INFRA / "modules" / name)


def expression(value: str) -> str:
    assert value.startswith("${") and value.endswith("}"), value
    return value[2:-1]


# --- the rule: which object events reach the queue ------------------------------------------


@pytest.fixture(scope="module")
def terraform_pattern(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The rule's event pattern, evaluated by Terraform with the data bucket's name (once for
    the file: each evaluation is a terraform init and apply)."""
    rule = module("uploads").resource("aws_cloudwatch_event_rule", "uploads").body
    harness = f"""
variable "bucket_name" {{
  type = string
}}
variable "landing_prefix" {{
  type = string
}}
output "pattern" {{
  value = {expression(rule["event_pattern"])}
}}
"""
    outputs = terraform_cli.evaluate(
        tmp_path_factory.mktemp("pattern"),
        {"main.tf": harness},
        {"bucket_name": NAMES.data_bucket, "landing_prefix": LANDING_PREFIX},
    )
    return json.loads(outputs["pattern"])


@pytest.fixture
def embedded_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def routed(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    """Object events of two buckets (both sending to EventBridge) through a rule with this
    pattern to an SQS target: the events the queue receives."""
    s3, sqs, events = boto3.client("s3"), boto3.client("sqs"), boto3.client("events")
    for bucket in (NAMES.data_bucket, OTHER_BUCKET):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    queue_url = sqs.create_queue(QueueName=NAMES.upload_queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name=NAMES.upload_rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=NAMES.upload_rule, Targets=[{"Id": "uploads", "Arn": queue_arn}])

    s3.put_object(Bucket=NAMES.data_bucket, Key=f"{LANDING_PREFIX}nyt/us.csv", Body=b"date\n")
    s3.put_object(Bucket=NAMES.data_bucket, Key="raw/run-1/nyt.csv", Body=b"date\n")
    s3.put_object(Bucket=OTHER_BUCKET, Key=f"{LANDING_PREFIX}nyt/us.csv", Body=b"date\n")
    s3.delete_object(Bucket=NAMES.data_bucket, Key=f"{LANDING_PREFIX}nyt/us.csv")

    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in received.get("Messages", [])]


def test_the_rule_sends_uploads_under_landing_of_the_data_bucket_only(
    terraform_pattern: dict[str, Any], embedded_aws: None
) -> None:
    """Terraform's pattern, on moto's EventBridge fed by moto's S3: one upload arrives; the
    raw/ write, the other bucket's upload and the deletion do not; start_from_upload's parser
    reads the event that arrives."""
    pattern = terraform_pattern
    assert pattern == upload_event_pattern(NAMES.data_bucket), "the local runner routes the same"
    events = routed(pattern)
    assert [(e["detail"]["bucket"]["name"], e["detail"]["object"]["key"]) for e in events] == [
        (NAMES.data_bucket, f"{LANDING_PREFIX}nyt/us.csv")
    ]
    upload = parse_upload_event(events[0])
    assert (upload.source, upload.url) == (
        "nyt",
        f"s3://{NAMES.data_bucket}/{LANDING_PREFIX}nyt/us.csv",
    )


def test_the_routing_check_fails_on_a_pattern_without_the_bucket(
    terraform_pattern: dict[str, Any], embedded_aws: None
) -> None:
    pattern = copy.deepcopy(terraform_pattern)  # the module's fixture stays whole
    del pattern["detail"]["bucket"]
    buckets = {event["detail"]["bucket"]["name"] for event in routed(pattern)}
    assert buckets == {NAMES.data_bucket, OTHER_BUCKET}


def test_the_rule_watches_the_data_bucket_which_sends_its_events() -> None:
    uploads = root().modules["uploads"]
    assert uploads["bucket_name"] == "${module.storage.bucket_name}"
    assert (
        uploads["landing_prefix"] == "${local.landing_prefix}"
    )  # = LANDING_PREFIX (test_contract)
    assert uploads["rule_name"] == "${local.names.upload_rule}"
    notification = module("storage").resource("aws_s3_bucket_notification", "data").body
    assert notification["bucket"] == "${aws_s3_bucket.data.id}"
    assert notification["eventbridge"] is True
    rule = module("uploads").resource("aws_cloudwatch_event_rule", "uploads").body
    assert "event_bus_name" not in rule, "S3 sends its events to the default bus only"


# --- the queue, its policy, its consumer ----------------------------------------------------


def test_the_rule_targets_the_upload_queue_which_feeds_start_from_upload() -> None:
    uploads = root().modules["uploads"]
    assert uploads["queue_arn"] == "${module.queues.upload_queue_arn}"
    assert uploads["queue_url"] == "${module.queues.upload_queue_url}"
    assert uploads["function_arn"] == '${module.functions.function_arns["start_from_upload"]}'

    trigger = module("uploads")
    target = trigger.resource("aws_cloudwatch_event_target", "uploads").body
    assert target["rule"] == "${aws_cloudwatch_event_rule.uploads.name}"
    assert target["arn"] == "${var.queue_arn}"

    mapping = trigger.resource("aws_lambda_event_source_mapping", "uploads").body
    assert mapping["event_source_arn"] == "${var.queue_arn}"
    assert mapping["function_name"] == "${var.function_arn}"
    assert mapping["batch_size"] == 10
    # Without it a single bad message would send the whole batch back, and again.
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]


def test_the_upload_queue_waits_out_its_consumer_and_has_a_dead_letter_queue() -> None:
    queues = module("queues")
    queue = queues.resource("aws_sqs_queue", "upload").body
    dlq = queues.resource("aws_sqs_queue", "upload_dlq").body
    # At least six times the function's timeout (AWS's guidance for Lambda consumers) ...
    assert queue["visibility_timeout_seconds"] == "${6 * var.upload_consumer_timeout_seconds}"
    # ... where the consumer's timeout is the functions' timeout.
    wiring = root().modules
    assert wiring["queues"]["upload_consumer_timeout_seconds"] == "${var.lambda_timeout_seconds}"
    assert wiring["functions"]["timeout_seconds"] == "${var.lambda_timeout_seconds}"

    redrive = queue["redrive_policy"]
    assert "deadLetterTargetArn = aws_sqs_queue.upload_dlq.arn" in redrive
    assert "maxReceiveCount = var.upload_max_receives" in redrive
    assert wiring["queues"]["upload_max_receives"] == "${var.upload_max_receives}"
    assert root().variables["upload_max_receives"]["default"] == 5

    for body in (queue, dlq):
        assert body["kms_master_key_id"] == "${var.kms_key_arn}"
    allow = queues.resource("aws_sqs_queue_redrive_allow_policy", "upload_dlq").body
    assert allow["queue_url"] == "${aws_sqs_queue.upload_dlq.id}"
    assert "sourceQueueArns = [aws_sqs_queue.upload.arn]" in allow["redrive_allow_policy"]


def queue_policy_problems(policy: tfconfig.Module) -> list[str]:
    """modules/rule_queue_policy: EventBridge may send to each queue, only for the one rule."""
    resource = policy.resource("aws_sqs_queue_policy", "rule_sends").body
    if resource["policy"] != "${data.aws_iam_policy_document.rule_sends[each.key].json}":
        return [f"the queue policy is not the queue's document: {resource['policy']}"]
    problems = []
    document = policy.data_source("aws_iam_policy_document", "rule_sends").body
    statements = list(tfconfig.blocks(document))
    for _, statement in statements:
        values = tfconfig.attributes(statement)
        principals = [
            tfconfig.attributes(b) for n, b in tfconfig.blocks(statement) if n == "principals"
        ]
        conditions = [
            tfconfig.attributes(b) for n, b in tfconfig.blocks(statement) if n == "condition"
        ]
        if values.get("actions") != ["sqs:SendMessage"]:
            problems.append(f"actions {values.get('actions')}, not sqs:SendMessage alone")
        if values.get("resources") != ["${each.value.arn}"]:
            problems.append(f"resources {values.get('resources')}, not the queue")
        if principals != [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]:
            problems.append(f"principals {principals}, not EventBridge alone")
        rule_arn = {"test": "ArnEquals", "variable": "aws:SourceArn", "values": ["${var.rule_arn}"]}
        if rule_arn not in conditions:
            problems.append("no aws:SourceArn condition naming the upload rule")
    if len(statements) != 1:
        problems.append(f"{len(statements)} statements, not one")
    return problems


def test_only_the_upload_rule_may_send_to_the_upload_queue() -> None:
    assert queue_policy_problems(module("rule_queue_policy")) == []
    uploads = module("uploads").modules["queue_policy"]
    assert uploads["source"] == "../rule_queue_policy"
    assert uploads["rule_arn"] == "${aws_cloudwatch_event_rule.uploads.arn}"
    assert {q["arn"] for q in uploads["queues"].values()} == {"${var.queue_arn}", "${var.dlq_arn}"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda text: re.sub(r"\n    condition \{.*?\n    \}\n", "\n", text, flags=re.DOTALL),
            "no aws:SourceArn condition naming the upload rule",
        ),
        (
            lambda text: text.replace('["events.amazonaws.com"]', '["sns.amazonaws.com"]'),
            "not EventBridge alone",
        ),
        (
            lambda text: text.replace(
                '["sqs:SendMessage"]', '["sqs:SendMessage", "sqs:PurgeQueue"]'
            ),
            "not sqs:SendMessage alone",
        ),
    ],
    ids=["no-source-arn", "other-service", "extra-action"],
)
def test_the_queue_policy_check_fails(
    tmp_path: Path, change: Callable[[str], str], expected: str
) -> None:
    text = (tfconfig.INFRA / "modules" / "rule_queue_policy" / "main.tf").read_text()
    changed = change(text)
    assert changed != text
    (tmp_path / "main.tf").write_text(changed)
    problems = queue_policy_problems(tfconfig.load_module(tmp_path))
    assert any(expected in problem for problem in problems), problems


# --- start_from_upload starts the state machine ---------------------------------------------


def test_start_from_upload_gets_the_state_machine_arn_from_names_and_apply_checks_it() -> None:
    """The functions get STATE_MACHINE_ARN and their StartExecution grant from the naming
    convention (the state machine's own ARN would wait for the functions: a cycle); a check
    block compares it with the deployed state machine after every plan and apply."""
    functions = root().modules["functions"]
    assert root().locals["function_environment"]["STATE_MACHINE_ARN"] == (
        "${local.names.state_machine_arn}"
    )
    assert functions["resource_arns"]["state_machine"] == "${local.names.state_machine_arn}"
    assert functions["resource_arns"]["upload_queue"] == "${module.queues.upload_queue_arn}"
    (check,) = root().checks.values()
    (assertion,) = (body for name, body in tfconfig.blocks(check) if name == "assert")
    assert assertion["condition"] == (
        "${module.workflow.state_machine_arn == local.names.state_machine_arn}"
    )


# --- operations ---------------------------------------------------------------------------


def test_the_upload_dlq_raises_an_alarm_and_the_dashboard_charts_both_queues() -> None:
    monitoring = root().modules["monitoring"]
    assert "${local.names.upload_dlq}" in monitoring["dlq_names"]
    assert "${local.names.upload_queue}" in monitoring["queue_names"]


def test_outputs_name_the_queues_a_redrive_moves_between() -> None:
    """etl redrive (SQS StartMessageMoveTask) takes the DLQ's ARN as source and the queue's as
    destination; the upload queue's URL is where the upload trigger can be watched."""
    outputs = root().outputs
    for queue in ("retry_queue", "retry_dlq", "upload_queue", "upload_dlq"):
        for attribute in ("arn", "url"):
            name = f"{queue}_{attribute}"
            assert outputs[name]["value"] == f"${{module.queues.{name}}}", name


# --- the Parquet zone -----------------------------------------------------------------------


def test_the_load_job_has_the_analytics_libraries_its_script_imports() -> None:
    """glue/load_job.py writes Parquet with pyarrow, which Glue's Python shell 3.9 provides
    with the "analytics" library set."""
    script = (tfconfig.REPO / "glue" / "load_job.py").read_text()
    assert re.search(r"^import pyarrow\b", script, flags=re.MULTILINE)
    job = module("glue").resource("aws_glue_job", "load").body
    (command,) = (body for name, body in tfconfig.blocks(job) if name == "command")
    assert (command["name"], command["python_version"]) == ("pythonshell", "3.9")
    assert job["default_arguments"]["library-set"] == "analytics"
