"""The optional warehouse (modules/warehouse) against what AWS requires of it, offline.

Redshift Serverless: base capacity 8 to 512 RPUs in steps of 8, and at least three subnets in
three Availability Zones (docs: "Compute capacity for Amazon Redshift Serverless", "Considerations
when using Amazon Redshift Serverless"); a namespace encrypted with the pipeline's key whose admin
password Redshift keeps in Secrets Manager; a workgroup no one reaches from the internet; a COPY
role that reads processed/ only. The schema check and checkov read the module like any other
(tests/infra/test_schema.py, test_checkov.py); the loader's grants are in test_contract.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from covid_etl.contract import FUNCTIONS, NAME_TEMPLATES

from . import iam_check, terraform_cli, tfconfig

MODULE_PATH = tfconfig.INFRA / "modules" / "warehouse"
MODULE = tfconfig.load_module(MODULE_PATH)
ROOT = tfconfig.load_module(tfconfig.INFRA)


def test_the_warehouse_is_off_by_default() -> None:
    assert ROOT.variables["enable_warehouse"]["default"] is False
    assert ROOT.modules["warehouse"]["count"] == "${var.enable_warehouse ? 1 : 0}"


DEPLOYED_HARNESS = """
variable "enable_warehouse" {
  type = bool
}
variable "functions" {
  type = list(string)
}
locals {
  contract = { functions = { for fn in var.functions : fn => { grants = [] } } }
}
output "deployed" {
  value = keys(%s)
}
"""


@pytest.mark.parametrize("enabled", [False, True])
def test_the_loader_is_deployed_with_the_warehouse_only(tmp_path: Path, enabled: bool) -> None:
    """Terraform evaluates the root's deployed_functions: every contract function, and
    load_warehouse only when the warehouse is on (nothing invokes it otherwise)."""
    expression = ROOT.locals["deployed_functions"]
    assert expression.startswith("${") and expression.endswith("}")
    outputs = terraform_cli.evaluate(
        tmp_path,
        {"main.tf": DEPLOYED_HARNESS % expression[2:-1]},
        {"enable_warehouse": enabled, "functions": list(FUNCTIONS)},
    )
    expected = set(FUNCTIONS) - (set() if enabled else {"load_warehouse"})
    assert set(outputs["deployed"]) == expected


# --- the namespace and the workgroup ---------------------------------------------------------


def warehouse_problems(namespace: dict[str, Any], workgroup: dict[str, Any]) -> list[str]:
    problems = []
    if namespace.get("manage_admin_password") is not True:
        problems.append("the admin password is not managed by Secrets Manager")
    if any(k.startswith("admin_user_password") for k in namespace):
        problems.append("an admin password in the configuration")
    for argument in ("kms_key_id", "admin_password_secret_kms_key_id"):
        if namespace.get(argument) != "${var.kms_key_arn}":
            problems.append(f"{argument} is not the pipeline's key")
    if workgroup.get("publicly_accessible") is not False:
        problems.append("the workgroup is publicly accessible")
    return problems


def test_the_namespace_is_encrypted_and_the_workgroup_private() -> None:
    namespace = MODULE.resource("aws_redshiftserverless_namespace", "warehouse").body
    workgroup = MODULE.resource("aws_redshiftserverless_workgroup", "warehouse").body
    assert warehouse_problems(namespace, workgroup) == []
    # COPY reaches S3 through the VPC (docs/deploy.md: it needs an S3 endpoint there).
    assert workgroup["enhanced_vpc_routing"] is True


@pytest.mark.parametrize(
    ("namespace", "workgroup"),
    [
        ({"manage_admin_password": False, "admin_user_password": "${var.password}"}, {}),
        ({"kms_key_id": "${aws_kms_key.other.arn}"}, {}),
        ({}, {"publicly_accessible": True}),
    ],
    ids=["password-in-code", "other-key", "public"],
)
def test_the_warehouse_check_refuses(namespace: dict[str, Any], workgroup: dict[str, Any]) -> None:
    good_namespace = MODULE.resource("aws_redshiftserverless_namespace", "warehouse").body
    good_workgroup = MODULE.resource("aws_redshiftserverless_workgroup", "warehouse").body
    assert warehouse_problems({**good_namespace, **namespace}, {**good_workgroup, **workgroup})


# --- what AWS accepts: base capacity and subnets ------------------------------------------------


def plan_variables(tmp_path: Path, values: dict[str, Any]) -> str:
    """terraform plan of the module's variables.tf alone: the validation errors, or ""."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "variables.tf").write_text((MODULE_PATH / "variables.tf").read_text())
    required = {
        name: [] if "list" in str(spec.get("type")) else "x"
        for name, spec in MODULE.variables.items()
        if "default" not in spec
    }
    (tmp_path / "terraform.tfvars.json").write_text(
        json.dumps({**required, "subnet_ids": ["a", "b", "c"], **values})
    )
    for args in (["init", "-input=false", "-no-color"], ["plan", "-input=false", "-no-color"]):
        result = terraform_cli.run(args, tmp_path)
        if result.returncode != 0:
            return re.sub(r"\s+", " ", result.stderr)
    return ""


def test_aws_accepts_the_defaults(tmp_path: Path) -> None:
    assert plan_variables(tmp_path, {}) == ""
    assert MODULE.variables["base_capacity"]["default"] == 8
    assert plan_variables(tmp_path / "largest", {"base_capacity": 512}) == ""


@pytest.mark.parametrize("capacity", [4, 12, 520])
def test_a_base_capacity_aws_refuses_fails_the_plan(tmp_path: Path, capacity: int) -> None:
    assert "8 to 512 RPUs, in steps of 8" in plan_variables(tmp_path, {"base_capacity": capacity})


def test_fewer_than_three_subnets_fail_the_plan(tmp_path: Path) -> None:
    errors = plan_variables(tmp_path, {"subnet_ids": ["a", "b", "b"]})
    assert "at least three subnets" in errors


# --- the COPY role ---------------------------------------------------------------------------


def test_the_copy_role_reads_the_processed_zone_and_decrypts_only() -> None:
    document = MODULE.data_source("aws_iam_policy_document", "copy")
    granted = {
        (tuple(s.actions or []), tuple(s.resources)) for s in iam_check.statements(MODULE, document)
    }
    assert granted == {
        (("s3:GetObject",), ("${var.bucket_arn}/processed/*",)),
        (("s3:ListBucket",), ("${var.bucket_arn}",)),
        (("kms:Decrypt",), ("${var.kms_key_arn}",)),
    }
    [listing] = [s for _, s in tfconfig.blocks(document.body) if s["sid"] == "ListProcessedZone"]
    assert listing["condition"][0]["values"] == ["processed/*"]
    namespace = MODULE.resource("aws_redshiftserverless_namespace", "warehouse").body
    assert namespace["iam_roles"] == ["${aws_iam_role.copy.arn}"]
    # The role's name is the end of the ARN the loader puts in its COPY (WAREHOUSE_COPY_ROLE_ARN).
    assert ROOT.modules["warehouse"]["copy_role_name"] == "${local.names.warehouse}-copy"
    role_arn = NAME_TEMPLATES["warehouse_copy_role_arn"]
    assert role_arn.endswith(f":role/{NAME_TEMPLATES['warehouse']}-copy")


# --- the loader's trigger and the cost cap ----------------------------------------------------


def test_run_completed_reaches_the_loader_as_its_detail_and_failures_are_kept() -> None:
    rule = MODULE.resource("aws_cloudwatch_event_rule", "run_completed").body
    assert 'detail-type = ["RunCompleted"]' in rule["event_pattern"].replace("'", '"')
    target = MODULE.resource("aws_cloudwatch_event_target", "loader").body
    assert target["input_path"] == "$.detail"  # the loader's SCHEMA is the event's detail
    assert target["dead_letter_config"][0]["arn"] == "${aws_sqs_queue.dlq.arn}"
    invoke = MODULE.resource("aws_lambda_function_event_invoke_config", "loader").body
    assert invoke["maximum_retry_attempts"] == 2
    [failure] = invoke["destination_config"][0]["on_failure"]
    assert failure["destination"] == "${aws_sqs_queue.dlq.arn}"
    limit = MODULE.resource("aws_redshiftserverless_usage_limit", "compute").body
    assert (limit["period"], limit["breach_action"]) == ("daily", "deactivate")
    assert MODULE.variables["max_rpu_hours_per_day"]["default"] == 8
    workgroup = MODULE.resource("aws_redshiftserverless_workgroup", "warehouse").body
    parameters = {p["parameter_key"]: p["parameter_value"] for p in workgroup["config_parameter"]}
    assert parameters == {"require_ssl": "true", "enable_user_activity_logging": "true"}
