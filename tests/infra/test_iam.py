"""Least privilege: no wildcard grants anywhere in infra/, and each role grants exactly what
the contract (covid_etl/contract.json) grants it, plus a short list of documented extras."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from covid_etl.contract import FUNCTION_GRANTS, LOAD_JOB_GRANTS, REBUILD_JOB_GRANTS, Grant

from . import iam_check, terraform_cli, tfconfig

MODULES = tfconfig.INFRA / "modules"

# What a function's role may hold beyond its grants, and why:
FUNCTION_EXTRAS = {
    "logs:CreateLogStream": "write its own log group",
    "logs:PutLogEvents": "write its own log group",
    "kms:Decrypt": "read its encrypted environment, objects and messages",
    "kms:GenerateDataKey": "write to the encrypted bucket, queue or topic",
    "xray:PutTelemetryRecords": "active tracing (no resource-level permissions)",
    "xray:PutTraceSegments": "active tracing (no resource-level permissions)",
}
LOAD_JOB_EXTRAS = {
    "s3:GetObject": "read its own script and the covid_etl wheel it imports (those two keys only)",
    "logs:AssociateKmsKey": "encrypt the log groups Glue creates under /aws-glue/",
    "logs:CreateLogGroup": "Glue creates its log groups under /aws-glue/",
    "logs:CreateLogStream": "write under /aws-glue/",
    "logs:PutLogEvents": "write under /aws-glue/",
    "kms:Decrypt": "read the encrypted delta",
    "kms:Encrypt": "the security configuration's encrypted job bookmarks",
    "kms:GenerateDataKey": "write the encrypted failures file and logs",
}

ARNS = {
    "bucket": "arn:aws:s3:::data",
    "daily_table": "arn:aws:dynamodb:us-east-1:123456789012:table/daily",
    "counties_table": "arn:aws:dynamodb:us-east-1:123456789012:table/counties",
    "runs_table": "arn:aws:dynamodb:us-east-1:123456789012:table/runs",
    "retry_queue": "arn:aws:sqs:us-east-1:123456789012:retry",
    "retry_dlq": "arn:aws:sqs:us-east-1:123456789012:retry-dlq",
    "status_topic": "arn:aws:sns:us-east-1:123456789012:status",
    "upload_queue": "arn:aws:sqs:us-east-1:123456789012:uploads",
    "state_machine": "arn:aws:states:us-east-1:123456789012:stateMachine:daily",
    "task_token": "*",
    "event_bus": "arn:aws:events:us-east-1:123456789012:event-bus/events",
    "warehouse_workgroup": "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0a1b",
    "warehouse_dlq": "arn:aws:sqs:us-east-1:123456789012:warehouse-dlq",
    "data_api_statement": "*",
}


@functools.cache
def module(name: str) -> tfconfig.Module:
    return tfconfig.load_module(MODULES / name)


# --- no wildcards ---------------------------------------------------------------------------


def test_no_policy_in_infra_allows_a_wildcard(infra_modules: dict[str, tfconfig.Module]) -> None:
    problems = [p for module in infra_modules.values() for p in iam_check.check_module(module)]
    assert not problems, "\n".join(problems)


def test_every_policy_in_infra_is_checked(infra_modules: dict[str, tfconfig.Module]) -> None:
    """Every role has a policy document the check read (none escaped it)."""
    documents = sum(
        1
        for module in infra_modules.values()
        for block in module.data
        if block.type == "aws_iam_policy_document"
    )
    roles = sum(
        1
        for module in infra_modules.values()
        for block in module.resources
        if block.type == "aws_iam_role"
    )
    # functions, glue, workflow, schedule (more may come): a trust and a grants document each
    assert roles >= 4 and documents >= 2 * roles


def problems_of(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "main.tf").write_text(text)
    return iam_check.check_module(tfconfig.load_module(tmp_path))


def role_policy(statement: str) -> str:
    return (
        'resource "aws_iam_role_policy" "p" {\n  role = "r"\n'
        "  policy = data.aws_iam_policy_document.p.json\n}\n"
        f'data "aws_iam_policy_document" "p" {{\n  statement {{\n{statement}\n  }}\n}}\n'
    )


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('actions = ["*"]\nresources = ["arn:aws:s3:::b/*"]', "wildcard actions ['*']"),
        ('actions = ["s3:Get*"]\nresources = ["arn:aws:s3:::b/*"]', "wildcard actions ['s3:Get*']"),
        (
            'actions = ["s3:GetObject", "xray:PutTraceSegments"]\nresources = ["*"]',
            "resource \"*\" for ['s3:GetObject'], which take ARNs",
        ),
        (
            'actions = local.some_actions\nresources = ["arn:aws:s3:::b"]',
            "actions cannot be read statically",
        ),
    ],
)
def test_the_wildcard_check_fails(tmp_path: Path, statement: str, expected: str) -> None:
    problems = problems_of(tmp_path, role_policy(statement))
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            (
                'resource "aws_iam_role_policy" "p" {\n  role = "r"\n'
                '  policy = jsonencode({ Statement = [{ Action = "*", Resource = "*" }] })\n}\n'
            ),
            "policy is not an aws_iam_policy_document's json",
        ),
        (
            (
                'resource "aws_iam_role_policy_attachment" "a" {\n  role = "r"\n'
                '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'
            ),
            "attaches a managed policy",
        ),
        *(
            (
                (
                    'resource "aws_iam_role_policy" "p" {\n  role = "r"\n'
                    "  policy = data.aws_iam_policy_document.p.json\n}\n"
                    f'module "{name}" {{\n  source = "{source}"\n}}\n'
                    f'data "aws_iam_policy_document" "p" {{\n  {argument} = [module.{name}.json]\n}}\n'
                ),
                f"merged ${{module.{name}.json}}",
            )
            for name, source, argument in (
                ("other", "../other", "source_policy_documents"),
                ("grants", "../grants", "override_policy_documents"),
            )
        ),
    ],
)
def test_policies_the_check_cannot_read_fail(tmp_path: Path, text: str, expected: str) -> None:
    problems = problems_of(tmp_path, text)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "statement",
    [
        'effect = "Deny"\nactions = ["s3:*"]\nresources = ["*"]',
        'actions = ["xray:PutTraceSegments", "logs:CreateLogDelivery"]\nresources = ["*"]',
    ],
    ids=["deny-may-use-wildcards", "actions-without-resource-level-permissions"],
)
def test_the_wildcard_check_allows_the_documented_exceptions(
    tmp_path: Path, statement: str
) -> None:
    assert problems_of(tmp_path, role_policy(statement)) == []


# --- each function's role: exactly its grants --------------------------------------------------


def test_the_roles_are_built_from_the_contracts_grants(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    """The functions', the load job's and the Rebuild job's grants reach their modules straight from the contract."""
    root = infra_modules["."]
    assert root.modules["functions"]["grants"] == (
        "${{for fn, function in local.deployed_functions : fn => function.grants}}"
    )
    assert root.modules["glue"]["grants"] == "${local.contract.load_job.grants}"
    assert module("glue").modules["grants"]["grants"] == "${var.grants}"
    assert root.modules["batch"]["grants"] == "${local.contract.rebuild_job.grants}"
    assert module("batch").modules["grants"]["grants"] == "${var.grants}"


def expected_statements(grants: tuple[Grant, ...]) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    by_resource: dict[str, set[str]] = defaultdict(set)
    for action, kind, prefix in grants:
        by_resource[f"{ARNS[kind]}/{prefix}*" if prefix else ARNS[kind]].add(action)
    return {(tuple(sorted(actions)), (arn,)) for arn, actions in by_resource.items()}


def test_the_grants_module_grants_exactly_each_contract(tmp_path: Path) -> None:
    """Terraform evaluates modules/grants on every contract: one statement per resource, the
    contract's actions on it, S3 object actions only under their prefix."""
    contracts = {**FUNCTION_GRANTS, "load_job": LOAD_JOB_GRANTS, "rebuild_job": REBUILD_JOB_GRANTS}
    harness = f"""
variable "contracts" {{
  type = map(list(tuple([string, string, string])))
}}
variable "arns" {{
  type = map(string)
}}
module "grants" {{
  source   = "{MODULES / "grants"}"
  for_each = var.contracts

  grants        = each.value
  resource_arns = var.arns
}}
output "documents" {{
  value = {{ for name, grants in module.grants : name => jsondecode(grants.json) }}
}}
"""
    outputs = terraform_cli.evaluate(
        tmp_path,
        {"main.tf": harness},
        {"contracts": {k: [list(g) for g in v] for k, v in contracts.items()}, "arns": ARNS},
    )
    for name, grants in contracts.items():
        document = outputs["documents"][name]
        assert document["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(set(sids)) == len(sids), f"{name}: merged documents need unique Sids"
        assert {s["Effect"] for s in document["Statement"]} == {"Allow"}
        statements = {(tuple(s["Action"]), tuple(s["Resource"])) for s in document["Statement"]}
        assert statements == expected_statements(grants), name


def document_statements(module_name: str, document: str) -> list[iam_check.Statement]:
    mod = module(module_name)
    return list(iam_check.statements(mod, mod.data_source("aws_iam_policy_document", document)))


def extras(statements: list[iam_check.Statement]) -> list[iam_check.Statement]:
    return [s for s in statements if not s.where.endswith(" grants")]


def test_a_function_role_holds_its_grants_and_the_documented_extras_only() -> None:
    statements = document_statements("functions", "function")
    assert any(s.where.endswith(" grants") for s in statements)
    for statement in extras(statements):
        assert set(statement.actions) <= set(FUNCTION_EXTRAS), statement
        if statement.actions[0].startswith("logs:"):
            assert statement.resources == ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
        if statement.actions[0].startswith("kms:"):
            assert statement.resources == ["${var.kms_key_arn}"]
    body = module("functions").data_source("aws_iam_policy_document", "function").body
    assert body["source_policy_documents"] == ["${module.grants[each.key].json}"]
    generated = [spec["for_each"] for name, spec in tfconfig.dynamic_blocks(body)]
    assert generated == ['${local.makes_data_keys[each.key] ? ["kms"] : []}']


def test_the_load_job_role_holds_its_grants_and_the_documented_extras_only() -> None:
    for statement in extras(document_statements("glue", "load")):
        assert set(statement.actions) <= set(LOAD_JOB_EXTRAS), statement
        if statement.actions == ["s3:GetObject"]:
            assert statement.resources == [
                "${var.bucket_arn}/${var.script_key}",
                "${var.bucket_arn}/${var.library_key}",
            ]


def test_the_state_machine_invokes_its_functions_and_job_only(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    by_sid = {
        s.where.rsplit(" ", 1)[1]: s for s in document_statements("workflow", "state_machine")
    }
    assert by_sid["InvokeOwnFunctions"].actions == ["lambda:InvokeFunction"]
    assert by_sid["InvokeOwnFunctions"].resources == ["${sort(values(var.function_arns))}"]
    # ... and the root passes it the state functions' ARNs only (the contract's, which
    # tests/integration/test_statemachine_definition.py proves the definition invokes).
    assert infra_modules["."].modules["workflow"]["function_arns"] == (
        "${{for fn in local.state_functions : fn => module.functions.function_arns[fn]}}"
    )
    assert by_sid["RunLoadJob"].actions == ["glue:GetJobRun", "glue:StartJobRun"]
    assert by_sid["RunLoadJob"].resources == ["${var.load_job_arn}"]
    # The distributed Map FanOutChanges: its ItemReader and its child executions, nothing wider.
    assert by_sid["ReadChangesForTheMap"].resources == ["${var.bucket_arn}/staged/*"]
    assert by_sid["RunMapChildExecutions"].actions == ["states:StartExecution"]
    assert by_sid["RunMapChildExecutions"].resources == ["${local.state_machine_arn}"]
    assert by_sid["FollowMapChildExecutions"].resources == ["${local.execution_arn_prefix}/*"]
    assert set(by_sid) == {
        "InvokeOwnFunctions",
        "RunLoadJob",
        *BATCH_SYNC_STATEMENTS,
        "ReadChangesForTheMap",
        "DecryptChangesForTheMap",
        "RunMapChildExecutions",
        "FollowMapChildExecutions",
        "DeliverExecutionLogs",
        "SendTraces",
    }
    assert batch_sync_problems(by_sid) == []


# What batch:submitJob.sync needs of the state machine's role (Step Functions' IAM policies for
# AWS Batch): submit, follow and stop the job, and manage the EventBridge rule Step Functions
# uses to hear of its end. Statement sid -> its actions and the end of its one resource.
BATCH_SYNC_STATEMENTS = {
    "SubmitRebuildJob": (["batch:SubmitJob"], None),
    "StopRebuildJob": (["batch:TerminateJob"], ":job/*"),
    "DescribeRebuildJob": (["batch:DescribeJobs"], "*"),
    "ManageBatchSyncRule": (
        ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
        ":rule/StepFunctionsGetEventsForBatchJobsRule",
    ),
}


def batch_sync_problems(by_sid: dict[str, Any]) -> list[str]:
    problems = []
    for sid, (actions, resource_end) in BATCH_SYNC_STATEMENTS.items():
        statement = by_sid.get(sid)
        if statement is None or statement.actions != actions:
            problems.append(f"{sid}: must allow exactly {actions}")
        elif resource_end and not all(r.endswith(resource_end) for r in statement.resources):
            problems.append(f"{sid}: resource must end with {resource_end}")
    return problems


def test_the_batch_sync_check_fails_without_the_managed_rule() -> None:
    by_sid = {
        s.where.rsplit(" ", 1)[1]: s for s in document_statements("workflow", "state_machine")
    }
    rule = by_sid.pop("ManageBatchSyncRule")
    [missing] = batch_sync_problems(by_sid)
    assert missing.startswith("ManageBatchSyncRule: must allow exactly ['events:DescribeRule'")
    by_sid["ManageBatchSyncRule"] = replace(rule, resources=["*"])
    assert batch_sync_problems(by_sid) == [
        "ManageBatchSyncRule: resource must end with :rule/StepFunctionsGetEventsForBatchJobsRule"
    ]


def test_the_rebuild_job_submits_to_its_own_queue_and_definition_only() -> None:
    by_sid = {
        s.where.rsplit(" ", 1)[1]: s for s in document_statements("workflow", "state_machine")
    }
    assert by_sid["SubmitRebuildJob"].resources == [
        "${var.rebuild_job_queue_arn}",
        "${var.rebuild_job_definition_arn}",
        "${var.rebuild_job_definition_arn}:*",
    ]


def test_the_schedule_starts_the_state_machine_only() -> None:
    by_sid = {s.where.rsplit(" ", 1)[1]: s for s in document_statements("schedule", "scheduler")}
    assert by_sid["StartDailyRun"].actions == ["states:StartExecution"]
    assert by_sid["StartDailyRun"].resources == ["${var.state_machine_arn}"]
    assert set(by_sid) == {"StartDailyRun", "ParkFailedStarts", "UsePipelineKey"}
