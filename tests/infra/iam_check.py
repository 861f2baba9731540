"""No wildcard in what an IAM policy allows, and every policy in a form that can be checked.

Rules, for every aws_iam_policy_document in a module:
- an Allow statement's actions are named one by one: no "*" and no "service:Prefix*";
- an Allow statement's resource is "*" only for actions that have no resource-level
  permissions (NO_RESOURCE_ARN_ACTIONS), or in a KMS key policy, where "*" means the key itself
  (its ARN does not exist before the key does);
- a Deny statement may use wildcards: they widen what is refused, never what is allowed;
- actions must be readable here: literal lists, a variable's default, or the grants module's
  document merged in (its actions are the contract's grants, covid_etl/contract.json); any
  other document merged in cannot be read and is reported.
And every policy argument of a resource comes from such a document, so nothing escapes the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from covid_etl.contract import FUNCTION_GRANTS, LOAD_JOB_GRANTS

from .tfconfig import Block, Module, attributes, blocks, dynamic_blocks, reference

# What the grants module may be given: every grant in the contract.
CONTRACT_GRANTS = [
    *(grant for grants in FUNCTION_GRANTS.values() for grant in grants),
    *LOAD_JOB_GRANTS,
]

# Actions without resource-level permissions (Service Authorization Reference): "*" is the
# only valid resource. CloudWatch Logs' log delivery, X-Ray's trace calls, Batch's DescribeJobs
# (the .sync polling) and ECR's registry login.
NO_RESOURCE_ARN_ACTIONS = frozenset(
    {
        "batch:DescribeJobs",
        "ecr:GetAuthorizationToken",
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }
)

# Resource arguments that hold a policy document, by resource type.
POLICY_ARGUMENTS = {
    "aws_iam_role": ("assume_role_policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_sqs_queue_policy": ("policy",),
}
# Ways to grant that this check cannot read: AWS managed policies and inline role blocks.
UNCHECKABLE = {
    "aws_iam_role_policy_attachment": "attaches a managed policy",
    "aws_iam_policy_attachment": "attaches a managed policy",
    "aws_iam_role_policies_exclusive": "manages policies outside this configuration",
}

_DOCUMENT_REF = re.compile(r"^data\.aws_iam_policy_document\.([a-z0-9_]+)(\[[^\]]+\])?\.json$")
_GRANTS_JSON = re.compile(r"^module\.([a-z0-9_]+)(\[[^\]]+\])?\.json$")


@dataclass(frozen=True)
class Statement:
    where: str
    effect: str
    actions: list[str] | None  # None: could not be read
    resources: list[str]


def check_module(module: Module) -> list[str]:
    problems: list[str] = []
    key_policies = _key_policy_documents(module, problems)
    for block in module.data:
        if block.type != "aws_iam_policy_document":
            continue
        is_key_policy = block.name in key_policies
        for statement in statements(module, block):
            problems += _check_statement(statement, is_key_policy)
    return problems


def _key_policy_documents(module: Module, problems: list[str]) -> set[str]:
    """Names of the documents used as KMS key policies; flags policies built any other way."""
    key_policies: set[str] = set()
    for block in module.resources:
        if block.type in UNCHECKABLE:
            problems.append(
                f"{block.where()}: {UNCHECKABLE[block.type]}; grant with a policy document"
            )
        if any(name == "inline_policy" for name, _ in blocks(block.body)):
            problems.append(f"{block.where()}: inline_policy block; use aws_iam_role_policy")
        for argument in POLICY_ARGUMENTS.get(block.type, ()):
            value = block.body.get(argument)
            match = _DOCUMENT_REF.match(reference(value) or "")
            if not match:
                problems.append(
                    f"{block.where()}: {argument} is not an aws_iam_policy_document's json: {value!r}"
                )
            elif block.type == "aws_kms_key":
                key_policies.add(match.group(1))
    return key_policies


def statements(module: Module, document: Block) -> Iterator[Statement]:
    where = document.where()
    merged_in = attributes(document.body)
    for merged in merged_in.get("source_policy_documents", []):
        yield from _merged_statements(module, where, merged)
    for overriding in merged_in.get("override_policy_documents", []):
        # It replaces statements by Sid, so what the document grants cannot be read here.
        yield Statement(f"{where} merged {overriding}", "Allow", None, [])
    for _, body in blocks(document.body):
        yield _statement(module, where, body)
    for name, spec in dynamic_blocks(document.body):
        if name != "statement":
            continue
        for _, content in blocks(spec):
            yield from _dynamic_statements(module, where, spec, content)


def _statement(module: Module, where: str, body: dict[str, Any]) -> Statement:
    values = attributes(body)
    label = f"{where} statement {values.get('sid', '(no sid)')}"
    return Statement(
        label,
        values.get("effect", "Allow"),
        _strings(module, values.get("actions")),
        _resources(module, values.get("resources", [])),
    )


def _merged_statements(module: Module, where: str, merged: Any) -> Iterator[Statement]:
    """A document merged in: only the grants module's (its ``json``) can be read here."""
    grants = _GRANTS_JSON.match(reference(merged) or "")
    call = module.modules.get(grants.group(1), {}) if grants else {}
    if str(call.get("source")) == "../grants":
        yield from _contract_grants(where)
    else:
        yield Statement(f"{where} merged {merged}", "Allow", None, [])


def _contract_grants(where: str) -> Iterator[Statement]:
    """The grants module's statements: one per resource, actions from the contract's grants,
    resources from the module's resource_arns (ARNs, never "*": tests/infra/test_iam.py)."""
    for action in sorted({action for action, _, _ in CONTRACT_GRANTS}):
        yield Statement(f"{where} grants", "Allow", [action], ["<arn of a granted resource>"])


def _dynamic_statements(
    module: Module, where: str, spec: dict[str, Any], content: dict[str, Any]
) -> Iterator[Statement]:
    # A statement switched on or off (for_each = cond ? [..] : []): check it as written.
    yield _statement(module, f"{where} dynamic", content)


def _strings(module: Module, value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    ref = reference(value)
    if ref and ref.startswith("var."):
        default = module.variables.get(ref[4:], {}).get("default")
        if isinstance(default, list):
            return default
    return None


def _resources(module: Module, value: Any) -> list[str]:
    """Resources as written; an expression stands for ARNs unless it is a variable whose
    default can be read (and checked)."""
    strings = _strings(module, value)
    return [str(value)] if strings is None else strings


def _check_statement(statement: Statement, is_key_policy: bool) -> list[str]:
    if statement.effect == "Deny":
        return []
    problems = []
    if statement.actions is None:
        return [f"{statement.where}: actions cannot be read statically; list them"]
    wildcard_actions = [action for action in statement.actions if "*" in action]
    if wildcard_actions:
        problems.append(f"{statement.where}: wildcard actions {wildcard_actions}")
    if "*" in statement.resources and not is_key_policy:
        restrictable = sorted(set(statement.actions) - NO_RESOURCE_ARN_ACTIONS)
        if restrictable:
            problems.append(f'{statement.where}: resource "*" for {restrictable}, which take ARNs')
    return problems
