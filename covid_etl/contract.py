"""The contract Terraform and Python share: contract.json beside this module, the one home of
the resource names, the functions, their IAM grants and the functions' environment.

Terraform reads the same file (infra/locals.tf: jsondecode(file(...))); both render its name
templates with the same ``${...}`` syntax (Terraform's templatestring, Python's string.Template).
"""

from __future__ import annotations

import json
from importlib.resources import files
from string import Template

Grant = tuple[str, str, str]  # (IAM action, resource kind, S3 prefix or "")

# Read as package data, so that it reads the same from a folder (Lambda layer) and from a zip
# (the Glue job's wheel on its --extra-py-files path, imported without being installed).
_CONTRACT = json.loads(files("covid_etl").joinpath("contract.json").read_text())

PROJECT: str = _CONTRACT["project"]
PREFIX_TEMPLATE: str = _CONTRACT["prefix"]
# Resource kind -> name template (${prefix}, ${account_id}, ${region}, ${partition}).
NAME_TEMPLATES: dict[str, str] = _CONTRACT["names"]
# One Lambda function per folder under lambdas/, in pipeline order.
FUNCTIONS: tuple[str, ...] = tuple(_CONTRACT["functions"])
# A dataset's DynamoDB table -> its key attributes (partition, then sort): Terraform creates the
# tables from it, covid_etl.datasets keys each dataset by it.
DATASET_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    table: tuple(key) for table, key in _CONTRACT["dataset_tables"].items()
}
# The functions the state machine invokes: one ${<name>_arn} placeholder each.
STATE_FUNCTIONS: tuple[str, ...] = tuple(
    name for name, function in _CONTRACT["functions"].items() if function["state"]
)
FUNCTION_NAME_TEMPLATES: dict[str, str] = {
    name: function["name"] for name, function in _CONTRACT["functions"].items()
}


def _grants(listed: list[list[str]]) -> tuple[Grant, ...]:
    return tuple((action, kind, prefix) for action, kind, prefix in listed)


FUNCTION_GRANTS: dict[str, tuple[Grant, ...]] = {
    name: _grants(function["grants"]) for name, function in _CONTRACT["functions"].items()
}
# The Glue load job's grants.
LOAD_JOB_GRANTS: tuple[Grant, ...] = _grants(_CONTRACT["load_job"]["grants"])
# The Rebuild job's grants (AWS Batch).
REBUILD_JOB_GRANTS: tuple[Grant, ...] = _grants(_CONTRACT["rebuild_job"]["grants"])
# An object created under this key prefix of the data bucket starts a run.
LANDING_PREFIX: str = _CONTRACT["landing_prefix"]
# Variable name -> meaning: every function gets each of these (covid_etl.settings reads them).
ENVIRONMENT_VARIABLES: dict[str, str] = _CONTRACT["environment"]


def render(template: str, **values: str) -> str:
    """A contract template with its ${...} placeholders filled in (KeyError on a missing one)."""
    return Template(template).substitute(values)
