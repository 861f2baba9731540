"""The contract (covid_etl/contract.json) against what it describes: the lambdas/ folders, the
Terraform that reads it, and the two template engines that render its names.

The contract has no copy to compare with; these tests check it against reality.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from covid_etl.contract import (
    ENVIRONMENT_VARIABLES,
    FUNCTION_GRANTS,
    FUNCTIONS,
    LANDING_PREFIX,
    PROJECT,
)
from etl_tools.naming import Names

from . import terraform_cli, tfconfig

LAMBDAS = tfconfig.REPO / "lambdas"


def root() -> tfconfig.Module:
    return tfconfig.load_module(tfconfig.INFRA)


# --- one contract function per lambdas/ folder -----------------------------------------------


def function_problems(folders: set[str], functions: tuple[str, ...]) -> list[str]:
    problems = []
    if missing := sorted(folders - set(functions)):
        problems.append(f"lambdas/ folders that are not contract functions: {missing}")
    if missing := sorted(set(functions) - folders):
        problems.append(f"contract functions without a lambdas/<name>/handler.py: {missing}")
    return problems


def test_one_contract_function_per_lambda_folder() -> None:
    folders = {path.parent.name for path in LAMBDAS.glob("*/handler.py")}
    assert function_problems(folders, FUNCTIONS) == []


@pytest.mark.parametrize(
    ("folders", "functions", "expected"),
    [
        ({"a", "b", "c"}, ("a", "b"), "lambdas/ folders that are not contract functions: ['c']"),
        ({"a"}, ("a", "b"), "contract functions without a lambdas/<name>/handler.py: ['b']"),
    ],
)
def test_the_function_check_fails(
    folders: set[str], functions: tuple[str, ...], expected: str
) -> None:
    assert function_problems(folders, functions) == [expected]


# --- Terraform reads the contract and renders its names as Python does ------------------------

# Provider lookups in locals.tf -> the harness variables that replace them.
LOOKUPS = {
    "data.aws_caller_identity.current.account_id": "var.account_id",
    "data.aws_partition.current.partition": "var.partition",
}

HARNESS = """
variable "project" {
  type = string
}
variable "environment" {
  type = string
}
variable "account_id" {
  type = string
}
variable "partition" {
  type = string
}
variable "region" {
  type = string
}
output "names" {
  value = local.names
}
output "prefix" {
  value = local.prefix
}
output "function_names" {
  value = local.function_names
}
output "state_functions" {
  value = local.state_functions
}
output "landing_prefix" {
  value = local.landing_prefix
}
"""


def terraform_locals(tmp_path: Path, names: Names) -> dict[str, Any]:
    """infra/locals.tf as Terraform evaluates it, reading the real contract file."""
    locals_tf = (tfconfig.INFRA / "locals.tf").read_text()
    for lookup, variable in LOOKUPS.items():
        assert locals_tf.count(lookup) == 1, f"locals.tf must read {lookup} in one place"
        locals_tf = locals_tf.replace(lookup, variable)
    # path.root is the harness folder: point it at the real infra/ for the contract's path.
    locals_tf = locals_tf.replace("${path.root}", str(tfconfig.INFRA))
    return terraform_cli.evaluate(
        tmp_path,
        {"locals.tf": locals_tf, "harness.tf": HARNESS},
        {
            "project": names.project,
            "environment": names.environment,
            "account_id": names.account_id,
            "partition": names.partition,
            "region": names.region,
        },
    )


@pytest.mark.parametrize(
    "names",
    [
        Names("dev", "123456789012"),
        Names("prod", "210987654321", region="eu-west-1", project="acme-covid", partition="aws-cn"),
    ],
    ids=["default-project", "other-project-region-partition"],
)
def test_terraform_renders_the_contract_as_python_does(tmp_path: Path, names: Names) -> None:
    """Two template engines (Terraform's templatestring, Python's string.Template) on one file:
    every name, function name and the state functions come out the same."""
    evaluated = terraform_locals(tmp_path, names)
    assert evaluated["prefix"] == names.prefix
    assert evaluated["names"] == {kind: getattr(names, kind) for kind in evaluated["names"]}
    assert evaluated["function_names"] == {fn: names.function(fn) for fn in FUNCTIONS}
    assert evaluated["landing_prefix"] == LANDING_PREFIX
    assert "start_from_upload" not in evaluated["state_functions"]


def test_the_rendering_comparison_fails_on_other_values(tmp_path: Path) -> None:
    evaluated = terraform_locals(tmp_path, Names("dev", "123456789012"))
    other = Names("dev", "123456789012", project="covid")
    assert evaluated["names"]["data_bucket"] != other.data_bucket
    assert evaluated["function_names"]["start_run"] != other.function("start_run")
    elsewhere = Names("dev", "123456789012", region="eu-west-1")
    assert evaluated["names"]["state_machine_arn"] != elsewhere.state_machine_arn


def test_an_unknown_name_is_an_error_not_a_guess() -> None:
    with pytest.raises(AttributeError, match="no resource kind 'daily_tabel'"):
        _ = Names("dev", "1").daily_tabel
    with pytest.raises(KeyError, match="unknown function"):
        Names("dev", "1").function("start")


def test_root_variable_defaults_name_the_contracts_project() -> None:
    assert root().variables["project"]["default"] == PROJECT


# --- the functions' environment ------------------------------------------------------------


def environment_problems(contract: set[str], terraform: set[str]) -> list[str]:
    problems = []
    if missing := sorted(contract - terraform):
        problems.append(f"contract variables Terraform gives no value: {missing}")
    if extra := sorted(terraform - contract):
        problems.append(f"Terraform values for variables not in the contract: {extra}")
    return problems


def test_terraform_gives_a_value_to_each_contract_variable_and_nothing_else() -> None:
    values = set(root().locals["function_environment"])
    assert environment_problems(set(ENVIRONMENT_VARIABLES), values) == []


@pytest.mark.parametrize(
    ("contract", "terraform", "expected"),
    [
        ({"A", "B"}, {"A"}, "contract variables Terraform gives no value: ['B']"),
        ({"A"}, {"A", "OLD"}, "Terraform values for variables not in the contract: ['OLD']"),
    ],
)
def test_the_environment_check_fails(
    contract: set[str], terraform: set[str], expected: str
) -> None:
    assert environment_problems(contract, terraform) == [expected]


# --- actions AWS authorizes without a resource ARN -------------------------------------------

# AWS has no resource-level permission for these, so a statement scoped to an ARN is an implicit
# deny on AWS; moto never checks, this does. Each has its own resource kind, which Terraform maps
# to "*" (infra/main.tf), and nothing else may use that kind:
# - SendTask*: the task token is the authority.
# - redshift-data:DescribeStatement: a caller sees only its own statements (Service Authorization
#   Reference, Amazon Redshift Data API: no resource type; condition statement-owner-iam-userid).
NO_RESOURCE_LEVEL = {
    "states:SendTaskSuccess": "task_token",
    "states:SendTaskFailure": "task_token",
    "states:SendTaskHeartbeat": "task_token",
    "redshift-data:DescribeStatement": "data_api_statement",
    "redshift-data:GetStatementResult": "data_api_statement",
    "redshift-data:CancelStatement": "data_api_statement",
}
UNSCOPED_KINDS = set(NO_RESOURCE_LEVEL.values())


def unscoped_action_problems(grants: dict[str, Any]) -> list[str]:
    return [
        f"{function}: {action} is granted on {kind}, which AWS would deny: use "
        f"{NO_RESOURCE_LEVEL.get(action, 'a resource kind with an ARN')}"
        for function, function_grants in grants.items()
        for action, kind, _ in function_grants
        if NO_RESOURCE_LEVEL.get(action) != (kind if kind in UNSCOPED_KINDS else None)
    ]


def test_actions_without_resource_level_permissions_are_granted_on_any_resource_only() -> None:
    assert unscoped_action_problems(FUNCTION_GRANTS) == []
    used = {kind for g in FUNCTION_GRANTS.values() for _, kind, _ in g}
    assert UNSCOPED_KINDS <= used
    main_tf = (tfconfig.INFRA / "main.tf").read_text()
    for kind in UNSCOPED_KINDS:
        assert re.search(rf'^\s*{kind}\s*=\s*"\*"$', main_tf, re.MULTILINE), kind


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        (
            {"api": [["states:SendTaskSuccess", "state_machine", ""]]},
            (
                "api: states:SendTaskSuccess is granted on state_machine, which AWS would deny: "
                "use task_token"
            ),
        ),
        (
            {"load": [["redshift-data:DescribeStatement", "warehouse_workgroup", ""]]},
            (
                "load: redshift-data:DescribeStatement is granted on warehouse_workgroup, which AWS "
                "would deny: use data_api_statement"
            ),
        ),
        (
            {"x": [["s3:GetObject", "task_token", ""]]},
            (
                "x: s3:GetObject is granted on task_token, which AWS would deny: use a resource kind "
                "with an ARN"
            ),
        ),
        (
            {"x": [["states:SendTaskFailure", "data_api_statement", ""]]},
            (
                "x: states:SendTaskFailure is granted on data_api_statement, which AWS would deny: "
                "use task_token"
            ),
        ),
    ],
    ids=["task-token-scoped", "describe-statement-scoped", "star-for-s3", "wrong-star-kind"],
)
def test_the_unscoped_action_check_fails(grants: dict[str, Any], expected: str) -> None:
    assert unscoped_action_problems(grants) == [expected]
