"""The names Terraform gives the resources are the names the local runner creates.

infra/locals.tf is evaluated by Terraform itself (only the caller-identity lookup, which needs
the provider, is replaced by a variable) and compared with covid_etl.naming.Names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covid_etl.naming import FUNCTIONS, PROJECT, Names

from . import terraform_cli, tfconfig

ACCOUNT_LOOKUP = "data.aws_caller_identity.current.account_id"

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
"""

# Names properties with a Terraform counterpart of the same name in local.names.
NAME_KINDS = [
    name
    for name, attribute in vars(Names).items()
    if isinstance(attribute, property) and name != "prefix"
]


def terraform_names(tmp_path: Path, project: str, environment: str, account: str) -> dict[str, Any]:
    locals_tf = (tfconfig.INFRA / "locals.tf").read_text()
    assert locals_tf.count(ACCOUNT_LOOKUP) == 1, "locals.tf must take the account id from one place"
    return terraform_cli.evaluate(
        tmp_path,
        {"locals.tf": locals_tf.replace(ACCOUNT_LOOKUP, "var.account_id"), "harness.tf": HARNESS},
        {"project": project, "environment": environment, "account_id": account},
    )


@pytest.mark.parametrize(
    ("project", "environment", "account"),
    [(PROJECT, "dev", "123456789012"), ("acme-covid", "prod", "210987654321")],
)
def test_terraform_names_are_the_local_runners(
    tmp_path: Path, project: str, environment: str, account: str
) -> None:
    names = Names(environment=environment, account_id=account, project=project)
    evaluated = terraform_names(tmp_path, project, environment, account)

    assert evaluated["prefix"] == names.prefix
    assert set(NAME_KINDS) <= set(evaluated["names"]), "a Names kind has no Terraform name"
    for kind in NAME_KINDS:
        assert evaluated["names"][kind] == getattr(names, kind), kind
    assert evaluated["functions"] == list(FUNCTIONS)
    assert evaluated["function_names"] == {fn: names.function(fn) for fn in FUNCTIONS}


def test_the_comparison_fails_on_a_different_convention(tmp_path: Path) -> None:
    evaluated = terraform_names(tmp_path, PROJECT, "dev", "123456789012")
    other = Names(environment="dev", account_id="123456789012", project="covid")
    assert evaluated["names"]["data_bucket"] != other.data_bucket
    assert evaluated["function_names"]["start_run"] != other.function("start_run")


def test_root_variable_defaults_name_the_project() -> None:
    root = tfconfig.load_module(tfconfig.INFRA)
    assert root.variables["project"]["default"] == PROJECT
