"""Does the apply create a role's permissions before the resource AWS checks them on?

Some create calls check the role they are given synchronously and fail (or, worse, succeed
with a feature disabled) when its permissions are missing: CreateStateMachine with logging
(log delivery), CreateFunction (the role must be assumable and, with a KMS key, usable),
CreateSchedule, CreateJob (Glue) and CreateEventSourceMapping (the function's role must be
able to read the queue). A reference to the role's ARN orders the role first, not its inline
policy: the resource must also depend on the aws_iam_role_policy of that role.
"""

from __future__ import annotations

import re

from .tfconfig import Block, Module

CHECKED_AT_CREATE = {
    "aws_sfn_state_machine": "role_arn",
    "aws_lambda_function": "role",
    "aws_scheduler_schedule": "target",
    "aws_glue_job": "role_arn",
}
_ROLE = re.compile(r"aws_iam_role\.([A-Za-z0-9_]+)")


def _roles_used(block: Block) -> set[str]:
    return set(_ROLE.findall(str(block.body.get(CHECKED_AT_CREATE[block.type], ""))))


def _policies_of(module: Module, role: str) -> set[str]:
    return {
        policy.address
        for policy in module.resources
        if policy.type in ("aws_iam_role_policy", "aws_iam_role_policy_attachment")
        and f"aws_iam_role.{role}" in str(policy.body.get("role", ""))
    }


def ordering_problems(module: Module) -> list[str]:
    problems = []
    for block in module.resources:
        if block.type not in CHECKED_AT_CREATE:
            continue
        depends = {d.removeprefix("${").removesuffix("}") for d in block.body.get("depends_on", [])}
        for role in sorted(_roles_used(block)):
            missing = sorted(_policies_of(module, role) - depends)
            if missing:
                problems.append(
                    f"{block.where()}: AWS checks role {role}'s permissions when it is created, "
                    f"but it does not depend on {', '.join(missing)}"
                )
    return problems


def checked_resources(module: Module) -> list[Block]:
    return [b for b in module.resources if b.type in CHECKED_AT_CREATE and _roles_used(b)]
