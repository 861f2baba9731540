"""What ties infra/ to the code beyond the contract (tests/infra/test_contract.py): the function
resource, the state machine's placeholders, the settings' defaults, every reference declared."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from covid_etl.contract import ENVIRONMENT_VARIABLES, FUNCTIONS
from covid_etl.settings import Settings
from etl_tools.naming import Names
from etl_tools.statemachine import (
    AWS_LOCK_WAIT,
    DEFINITION_PATH,
    placeholders,
    render,
    template_values,
)

from . import reference_check, terraform_cli, tfconfig

# Settings that name a resource: Terraform passes the resource's attribute, not a variable.
RESOURCE_SETTINGS = {
    "DATA_BUCKET",
    "DAILY_TABLE",
    "COUNTIES_TABLE",
    "RUNS_TABLE",
    "RETRY_QUEUE_URL",
    "RETRY_DLQ_URL",
    "STATUS_TOPIC_ARN",
    "STATE_MACHINE_ARN",
    "EVENT_BUS_NAME",
    "WAREHOUSE_WORKGROUP",
    "WAREHOUSE_COPY_ROLE_ARN",
}


@functools.cache  # parsed once per process: no test changes a Module
def root() -> tfconfig.Module:
    return tfconfig.load_module(tfconfig.INFRA)


@functools.cache
def module(name: str) -> tfconfig.Module:
    return tfconfig.load_module(tfconfig.INFRA / "modules" / name)


# --- the functions -------------------------------------------------------------------------


def test_the_function_resource_makes_one_function_per_folder(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    """One aws_lambda_function in all of infra/, one instance per function, each from its zip."""
    functions = [
        block
        for module in infra_modules.values()
        for block in module.resources
        if block.type == "aws_lambda_function"
    ]
    assert [block.address for block in functions] == ["aws_lambda_function.step"]
    body = functions[0].body
    assert body["for_each"] == "${var.function_names}"
    assert body["filename"] == "${var.package_dir}/functions/${each.key}.zip"
    assert body["handler"] == "handler.handler"
    functions = root().modules["functions"]
    # The contract's functions, load_warehouse only with the warehouse (test_warehouse.py).
    assert functions["function_names"] == (
        "${{for fn in keys(local.deployed_functions) : fn => local.function_names[fn]}}"
    )
    # Each role is built from the contract's grants (tests/infra/test_iam.py: exactly those).
    assert functions["grants"] == (
        "${{for fn, function in local.deployed_functions : fn => function.grants}}"
    )
    assert module("functions").modules["grants"]["for_each"] == "${var.grants}"


# --- the state machine's placeholders -------------------------------------------------------


def definition_expression() -> str:
    value = module("workflow").resource("aws_sfn_state_machine", "daily").body["definition"]
    assert value.startswith("${templatefile(") and value.endswith("}")
    return value[2:-1]


def bound_names(expression: str) -> set[str]:
    variables = expression[expression.index("{") : expression.rindex("}") + 1]
    return set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*=", variables))


def binding_problems(definition_placeholders: set[str], bound: set[str]) -> list[str]:
    problems = []
    if unbound := sorted(definition_placeholders - bound):
        problems.append(f"placeholders templatefile does not bind: {unbound}")
    if extra := sorted(bound - definition_placeholders):
        problems.append(f"templatefile binds names the definition does not use: {extra}")
    return problems


def test_templatefile_binds_every_placeholder_and_nothing_else() -> None:
    assert (
        binding_problems(
            placeholders(DEFINITION_PATH.read_text()), bound_names(definition_expression())
        )
        == []
    )


def test_the_definition_path_is_the_shared_file() -> None:
    assert root().modules["workflow"]["definition_path"] == "${local.definition}"
    definition = root().locals["definition"].replace("${path.root}", str(tfconfig.INFRA))
    assert Path(definition).resolve() == DEFINITION_PATH


@pytest.mark.parametrize(
    ("used", "bound", "expected"),
    [
        ({"a_arn", "b_arn"}, {"a_arn"}, "placeholders templatefile does not bind: ['b_arn']"),
        (
            {"a_arn"},
            {"a_arn", "old_arn"},
            "templatefile binds names the definition does not use: ['old_arn']",
        ),
    ],
)
def test_the_placeholder_check_fails(used: set[str], bound: set[str], expected: str) -> None:
    assert binding_problems(used, bound) == [expected]


def test_terraform_renders_the_definition_the_local_runner_runs(tmp_path: Path) -> None:
    """Terraform's templatefile() on statemachine.asl.json gives, byte for byte, what
    etl_tools.statemachine.render() gives with the same names (no escaping surprises)."""
    names = Names(environment="dev", account_id="123456789012")
    harness = f"""
variable "definition_path" {{
  type = string
}}
variable "function_arns" {{
  type = map(string)
}}
variable "load_job_name" {{
  type = string
}}
variable "rebuild_job_queue_arn" {{
  type = string
}}
variable "rebuild_job_definition_arn" {{
  type = string
}}
variable "bucket_name" {{
  type = string
}}
variable "lock_wait_interval_seconds" {{
  type = number
}}
variable "lock_wait_max_attempts" {{
  type = number
}}
variable "lock_wait_max_delay_seconds" {{
  type = number
}}
output "definition" {{
  value = {definition_expression()}
}}
"""
    outputs = terraform_cli.evaluate(
        tmp_path,
        {"main.tf": harness},
        {
            "definition_path": str(DEFINITION_PATH),
            "function_arns": {fn: names.function_arn(fn) for fn in FUNCTIONS},
            "load_job_name": names.load_job,
            "rebuild_job_queue_arn": names.rebuild_job_queue_arn,
            "rebuild_job_definition_arn": names.rebuild_job_definition_arn,
            "bucket_name": names.data_bucket,
            **{name: int(value) for name, value in AWS_LOCK_WAIT.values().items()},
        },
    )
    expected = render(DEFINITION_PATH.read_text(), template_values(names, AWS_LOCK_WAIT))
    assert outputs["definition"] == expected


def test_the_workflow_waits_for_the_lock_as_aws_lock_wait_says() -> None:
    """On AWS a run that meets the lock waits up to 45 minutes; locally a few seconds."""
    variables = module("workflow").variables
    for name, value in AWS_LOCK_WAIT.values().items():
        assert variables[name]["default"] == int(value), name


# --- the functions' environment -------------------------------------------------------------


def test_every_function_gets_the_contracts_environment() -> None:
    """Terraform's values (tests/infra/test_contract.py: one per contract variable) reach every
    function through the contract's list."""
    assert root().modules["functions"]["environment_variables"] == (
        "${{for name, meaning in local.contract.environment : "
        "name => local.function_environment[name]}}"
    )
    step = module("functions").resource("aws_lambda_function", "step").body
    assert step["environment"][0]["variables"] == "${var.environment_variables}"


def test_tunable_settings_default_to_the_librarys_defaults() -> None:
    """Each non-resource setting comes from a root variable whose default is Settings'."""
    environment = root().locals["function_environment"]
    variables = root().variables
    defaults = Settings.__dataclass_fields__
    for name in sorted(set(ENVIRONMENT_VARIABLES) - RESOURCE_SETTINGS):
        variable = name.lower()
        assert environment[name] in (f"${{var.{variable}}}", f"${{tostring(var.{variable})}}"), name
        assert variables[variable]["default"] == defaults[variable].default, name


# --- the environments ------------------------------------------------------------------------


@pytest.mark.parametrize("tfvars", sorted((tfconfig.INFRA / "environments").glob("*.tfvars")))
def test_environment_files_set_root_variables_only(tfvars: Path) -> None:
    values = tfconfig.parse_file(tfvars)
    variables = root().variables
    assert set(values) - {"__comments__"} <= set(variables)
    required = {name for name, spec in variables.items() if "default" not in spec}
    assert required <= set(values), f"{tfvars.name} leaves required variables unset"
    assert values["environment"] == tfvars.stem
    backend = tfconfig.parse_file(tfvars.with_name(f"{tfvars.stem}.backend.hcl"))
    assert backend["key"] == f"covid-etl/{tfvars.stem}/terraform.tfstate"
    assert backend["use_lockfile"] is True and backend["encrypt"] is True


# --- references ---------------------------------------------------------------------------


def test_every_reference_is_declared(infra_modules: dict[str, tfconfig.Module]) -> None:
    problems = [
        p for module in infra_modules.values() for p in reference_check.check_module(module)
    ]
    assert not problems, "\n".join(problems)


def test_the_reference_check_fails(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text(
        'variable "needed" {\n  type = string\n}\noutput "arn" {\n  value = var.needed\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'locals {\n  name = "${var.project}-x"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = local.nam\n'
        "  kms_master_key_id = aws_kms_key.missing.arn\n}\n"
        'module "child" {\n  source = "./child"\n  unknown = 1\n}\n'
        'output "o" {\n  value = module.child.ar\n}\n'
        'check "c" {\n  assert {\n    condition = local.missing == 1\n'
        '    error_message = "m"\n  }\n}\n'
    )
    problems = reference_check.check_module(tfconfig.load_module(tmp_path))
    for expected in (
        "var.project is not declared",
        "local.nam is not declared",
        "aws_kms_key.missing is not declared",
        "module.child passes unknown, not a variable of ./child",
        "module.child does not pass required variable needed",
        "module.child has no output ar",
        "local.missing is not declared",
    ):
        assert any(expected in problem for problem in problems), (expected, problems)
