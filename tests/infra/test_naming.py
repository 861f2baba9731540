"""The names Terraform gives the resources are the names the local runner creates.

infra/locals.tf is evaluated by Terraform itself (only the caller-identity and partition
lookups, which need the provider, are replaced by variables) and compared with
etl_tools.naming.Names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covid_etl.uploads import LANDING_PREFIX
from etl_tools.naming import FUNCTIONS, PROJECT, Names
from etl_tools.statemachine import DEFINITION_PATH, placeholders

from . import terraform_cli, tfconfig

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
output "functions" {
  value = local.functions
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

# Names properties with a Terraform counterpart of the same name in local.names.
NAME_KINDS = [
    name
    for name, attribute in vars(Names).items()
    if isinstance(attribute, property) and name != "prefix"
]


def terraform_names(
    tmp_path: Path, project: str, environment: str, account: str, region: str = "us-east-1"
) -> dict[str, Any]:
    locals_tf = (tfconfig.INFRA / "locals.tf").read_text()
    for lookup, variable in LOOKUPS.items():
        assert locals_tf.count(lookup) == 1, f"locals.tf must read {lookup} in one place"
        locals_tf = locals_tf.replace(lookup, variable)
    return terraform_cli.evaluate(
        tmp_path,
        {"locals.tf": locals_tf, "harness.tf": HARNESS},
        {
            "project": project,
            "environment": environment,
            "account_id": account,
            # Names writes ARNs in the commercial partition; so does Terraform there.
            "partition": "aws",
            "region": region,
        },
    )


@pytest.mark.parametrize(
    ("project", "environment", "account", "region"),
    [
        (PROJECT, "dev", "123456789012", "us-east-1"),
        ("acme-covid", "prod", "210987654321", "eu-west-1"),
    ],
)
def test_terraform_names_are_the_local_runners(
    tmp_path: Path, project: str, environment: str, account: str, region: str
) -> None:
    names = Names(environment=environment, account_id=account, region=region, project=project)
    evaluated = terraform_names(tmp_path, project, environment, account, region)

    assert evaluated["prefix"] == names.prefix
    assert set(NAME_KINDS) <= set(evaluated["names"]), "a Names kind has no Terraform name"
    for kind in NAME_KINDS:
        assert evaluated["names"][kind] == getattr(names, kind), kind
    assert evaluated["functions"] == list(FUNCTIONS)
    assert evaluated["function_names"] == {fn: names.function(fn) for fn in FUNCTIONS}
    assert evaluated["landing_prefix"] == LANDING_PREFIX


def test_the_state_functions_are_those_the_definition_invokes(tmp_path: Path) -> None:
    """local.state_functions (the ARNs the state machine gets and may invoke) are exactly the
    functions with a ${<name>_arn} placeholder in statemachine.asl.json: start_from_upload is
    not one of them."""
    evaluated = terraform_names(tmp_path, PROJECT, "dev", "123456789012")
    used = placeholders(DEFINITION_PATH.read_text())
    assert evaluated["state_functions"] == [fn for fn in FUNCTIONS if f"{fn}_arn" in used]
    assert "start_from_upload" not in evaluated["state_functions"]


def test_the_comparison_fails_on_a_different_convention(tmp_path: Path) -> None:
    evaluated = terraform_names(tmp_path, PROJECT, "dev", "123456789012")
    other = Names(environment="dev", account_id="123456789012", project="covid")
    assert evaluated["names"]["data_bucket"] != other.data_bucket
    assert evaluated["function_names"]["start_run"] != other.function("start_run")
    elsewhere = Names(environment="dev", account_id="123456789012", region="eu-west-1")
    assert evaluated["names"]["state_machine_arn"] != elsewhere.state_machine_arn


def test_root_variable_defaults_name_the_project() -> None:
    root = tfconfig.load_module(tfconfig.INFRA)
    assert root.variables["project"]["default"] == PROJECT
