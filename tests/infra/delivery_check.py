"""Would AWS deliver what the rules and alarms send? Checks on the Terraform blocks.

- A key policy statement for a service principal may only use the condition keys AWS supports
  for that principal there: EventBridge encrypting for an SNS topic or SQS queue ignores
  aws:SourceAccount/aws:SourceArn, so a statement conditioned on them never matches and every
  event is dropped (only FailedInvocations shows). Such a statement is scoped by encryption
  context instead.
- Every EventBridge target has a retry policy and a dead-letter queue: an event that cannot be
  delivered is parked, not dropped.
"""

from __future__ import annotations

from typing import Any

from .tfconfig import Block, Module

# Condition keys a key policy cannot use for a principal (AWS's documentation, see
# docs/aws-review.md): the principal's KMS calls do not carry them.
UNSUPPORTED_IN_KEY_POLICY = {
    "events.amazonaws.com": {"aws:SourceAccount", "aws:SourceArn"},
}
# KMS actions that take no encryption context (AWS's key policy for an encrypted event bus grants
# DescribeKey unscoped): a statement of these alone cannot be scoped by one, nor does it need to.
WITHOUT_ENCRYPTION_CONTEXT = {"kms:DescribeKey"}


def _principals(statement: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for principal in statement.get("principals", []):
        if principal.get("type") == "Service":
            found |= set(principal.get("identifiers", []))
    return found


def key_policy_problems(document: Block) -> list[str]:
    problems = []
    for statement in document.body.get("statement", []):
        variables = {c.get("variable", "") for c in statement.get("condition", [])}
        for principal in sorted(_principals(statement)):
            for variable in sorted(UNSUPPORTED_IN_KEY_POLICY.get(principal, set()) & variables):
                problems.append(
                    f"{document.where()}: statement {statement.get('sid')!r} conditions "
                    f"{principal} on {variable}, which its KMS calls do not carry"
                )
            uses_data = not set(statement.get("actions", [])) <= WITHOUT_ENCRYPTION_CONTEXT
            if (
                principal in UNSUPPORTED_IN_KEY_POLICY
                and uses_data
                and not any(v.startswith("kms:EncryptionContext:") for v in variables)
            ):
                problems.append(
                    f"{document.where()}: statement {statement.get('sid')!r} lets {principal} "
                    "use the key for anything: scope it by kms:EncryptionContext"
                )
    return problems


def key_policies(module: Module) -> list[Block]:
    """Policy documents a KMS key of the module uses."""
    used = {
        str(key.body.get("policy", "")).removeprefix("${data.").split(".")[1]
        for key in module.resources
        if key.type == "aws_kms_key" and "policy" in key.body
    }
    return [d for d in module.data if d.type == "aws_iam_policy_document" and d.name in used]


def target_problems(target: Block) -> list[str]:
    missing = [name for name in ("retry_policy", "dead_letter_config") if name not in target.body]
    return [f"{target.where()}: no {name}" for name in missing]


def problems_in(modules: dict[str, Module]) -> list[str]:
    problems = []
    for module in modules.values():
        for document in key_policies(module):
            problems += key_policy_problems(document)
        for block in module.resources:
            if block.type == "aws_cloudwatch_event_target":
                problems += target_problems(block)
    return problems
