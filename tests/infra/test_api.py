"""The REST API's Terraform (infra/modules/api): the routes are covid_etl.api's routing table,
none is reachable unauthenticated, and the caller policies name the right route ARNs."""

from __future__ import annotations

import re
from pathlib import Path

from covid_etl.api import ROUTES

from . import terraform_cli, tfconfig

MODULE = tfconfig.INFRA / "modules" / "api"
EXECUTION_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3"


def unauthenticated_routes(modules: dict[str, tfconfig.Module]) -> list[str]:
    """Every API Gateway v2 route whose authorization is not IAM (SigV4): none may be."""
    return [
        f"{route.where()}: authorization_type is "
        f"{route.body.get('authorization_type', 'missing (NONE)')}, not AWS_IAM"
        for module in modules.values()
        for route in module.resources
        if route.type == "aws_apigatewayv2_route"
        and route.body.get("authorization_type") != "AWS_IAM"
    ]


def test_the_routes_are_the_routing_table() -> None:
    assert tfconfig.load_module(MODULE).locals["routes"] == list(ROUTES)


def test_no_route_is_reachable_unauthenticated(infra_modules: dict[str, tfconfig.Module]) -> None:
    assert any(
        r.type == "aws_apigatewayv2_route" for m in infra_modules.values() for r in m.resources
    )
    assert unauthenticated_routes(infra_modules) == []


def test_a_route_without_aws_iam_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_apigatewayv2_route" "open" {\n  api_id = "a"\n  route_key = "GET /x"\n'
        '  authorization_type = "NONE"\n}\n'
        'resource "aws_apigatewayv2_route" "default" {\n  api_id = "a"\n  route_key = "GET /y"\n}\n'
    )
    problems = unauthenticated_routes({"tmp": tfconfig.load_module(tmp_path)})
    assert [p.split(": ", 1)[1] for p in problems] == [
        "aws_apigatewayv2_route.open: authorization_type is NONE, not AWS_IAM",
        "aws_apigatewayv2_route.default: authorization_type is missing (NONE), not AWS_IAM",
    ]


def test_the_policies_name_each_route_as_execute_api_invoke_expects(tmp_path: Path) -> None:
    """Terraform evaluates the module's own locals: the operator policy's resources are every
    route, <execution ARN>/<stage>/<METHOD>/<path> with a path parameter as *; the read-only
    policy's are the GET routes only."""
    text = (MODULE / "main.tf").read_text()
    module_locals = re.search(r"^locals \{\n.*?^\}\n", text, re.DOTALL | re.MULTILINE)
    assert module_locals
    harness = (
        module_locals.group(0)
        .replace("aws_apigatewayv2_api.api.execution_arn", "var.execution_arn")
        .replace("aws_apigatewayv2_stage.api.name", '"$default"')
    )
    harness += """
variable "execution_arn" {
  type = string
}
output "route_arns" {
  value = local.route_arns
}
output "read_only_routes" {
  value = local.read_only_routes
}
"""
    outputs = terraform_cli.evaluate(
        tmp_path, {"main.tf": harness}, {"execution_arn": EXECUTION_ARN}
    )
    stage = f"{EXECUTION_ARN}/$default"
    assert outputs["route_arns"] == {
        "POST /runs": f"{stage}/POST/runs",
        "GET /runs": f"{stage}/GET/runs",
        "GET /runs/{id}": f"{stage}/GET/runs/*",
        "POST /runs/{id}/approve": f"{stage}/POST/runs/*/approve",
        "POST /runs/{id}/reject": f"{stage}/POST/runs/*/reject",
        "GET /data": f"{stage}/GET/data",
    }
    assert outputs["read_only_routes"] == ["GET /runs", "GET /runs/{id}", "GET /data"]
    operator, read_only = (
        tfconfig.load_module(MODULE).data_source("aws_iam_policy_document", name).body
        for name in ("operator", "read_only")
    )
    assert operator["statement"][0]["resources"] == (
        "${[for key in local.routes : local.route_arns[key]]}"
    )
    assert read_only["statement"][0]["resources"] == (
        "${[for key in local.read_only_routes : local.route_arns[key]]}"
    )
