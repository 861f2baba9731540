"""The IAM action of each AWS call, to check recorded calls against the contract's grants.

The grants themselves live in covid_etl/contract.json (FUNCTION_GRANTS, LOAD_JOB_GRANTS in
covid_etl.contract), from which Terraform builds one role per function; the e2e tests record
every AWS call a handler makes and check its action is granted.
"""

from __future__ import annotations

from collections.abc import Mapping

from covid_etl.contract import FUNCTION_GRANTS

# botocore operation names whose IAM action differs from "<service>:<Operation>".
_ACTION_OF_OPERATION = {
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "CopyObject"): "s3:PutObject",
}

_IAM_PREFIX = {"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "sns": "sns", "states": "states"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action a botocore call needs (service as botocore names it, e.g. 's3')."""
    return _ACTION_OF_OPERATION.get(
        (service, operation), f"{_IAM_PREFIX.get(service, service)}:{operation}"
    )


def iam_actions(service: str, operation: str, headers: Mapping[str, str]) -> set[str]:
    """The IAM actions a call needs, given its request's headers: a CopyObject of one version
    of its source (x-amz-copy-source ending ?versionId=...) also needs s3:GetObjectVersion."""
    actions = {iam_action(service, operation)}
    copy_source = headers.get("x-amz-copy-source", "") if operation == "CopyObject" else ""
    if service == "s3" and "?versionId=" in copy_source:
        actions.add("s3:GetObjectVersion")
    return actions


def allowed_actions(function: str) -> set[str]:
    return {action for action, _, _ in FUNCTION_GRANTS[function]}
