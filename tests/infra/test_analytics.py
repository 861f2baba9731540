"""The SQL layer's Terraform (modules/analytics) against what the pipeline writes and reads.

Offline: the Glue table must describe the files the load job writes, where it writes them; the
view must be the text `etl query` runs; the workgroup must not let a client skip encryption or
the scan cap (Athena: enforce_workgroup_configuration makes the workgroup's settings override
the client's; the per-query cutoff cancels a query past it, minimum 10 MB).
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from covid_etl import keys
from etl_tools.query import daily_view_sql
from glue.load_job import to_parquet

from . import tfconfig

MODULE = tfconfig.load_module(tfconfig.INFRA / "modules" / "analytics")
ROOT = tfconfig.load_module(tfconfig.INFRA)
ATHENA_MINIMUM_CUTOFF = 10_000_000
HIVE_TYPES = {pa.date32(): "date", pa.int64(): "bigint", pa.string(): "string"}


def workgroup_problems(configuration: dict[str, Any]) -> list[str]:
    problems = []
    if configuration.get("enforce_workgroup_configuration") is not True:
        problems.append("clients may override the result location, encryption and cutoff")
    if "bytes_scanned_cutoff_per_query" not in configuration:
        problems.append("no bytes-scanned cutoff per query")
    [result] = configuration.get("result_configuration", [{}])
    encryption = result.get("encryption_configuration", [{}])[0]
    if encryption.get("encryption_option") not in ("SSE_KMS", "CSE_KMS"):
        problems.append("query results not encrypted with a KMS key")
    elif encryption.get("kms_key_arn") != "${var.kms_key_arn}":
        problems.append("query results not encrypted with the pipeline's key")
    return problems


def test_the_workgroup_enforces_encrypted_results_and_a_scan_cap() -> None:
    [configuration] = MODULE.resource("aws_athena_workgroup", "analytics").body["configuration"]
    assert workgroup_problems(configuration) == []
    cutoff = ROOT.variables["athena_bytes_scanned_cutoff"]["default"]
    assert cutoff >= ATHENA_MINIMUM_CUTOFF
    assert str(ATHENA_MINIMUM_CUTOFF) in str(MODULE.variables["bytes_scanned_cutoff"]["validation"])


@pytest.mark.parametrize(
    "change",
    ["enforce_workgroup_configuration", "bytes_scanned_cutoff_per_query", "encryption", "key"],
)
def test_the_workgroup_check_refuses_a_weaker_workgroup(change: str) -> None:
    [configuration] = MODULE.resource("aws_athena_workgroup", "analytics").body["configuration"]
    weaker = copy.deepcopy(configuration)
    encryption = weaker["result_configuration"][0]["encryption_configuration"][0]
    if change == "enforce_workgroup_configuration":
        weaker[change] = False
    elif change == "bytes_scanned_cutoff_per_query":
        del weaker[change]
    elif change == "encryption":
        encryption["encryption_option"] = "SSE_S3"
    else:
        encryption["kms_key_arn"] = "${aws_kms_key.other.arn}"
    assert workgroup_problems(weaker) != []


def location_template_matches(template: str, key: str) -> bool:
    """Whether Athena's projected location for the key's load date is the key's folder."""
    pattern = re.escape(template).replace(re.escape("${load_date}"), r"\d{4}-\d{2}-\d{2}")
    return re.fullmatch(pattern + r"[^/]+\.parquet", key) is not None


def test_the_table_reads_where_and_what_the_load_job_writes() -> None:
    table = MODULE.resource("aws_glue_catalog_table", "processed").body
    location = MODULE.locals["processed_location"].removeprefix("s3://${var.bucket_name}/")
    template = table["parameters"]["storage.location.template"]
    template = template.replace("${local.processed_location}", location).replace("$${", "${")
    assert location_template_matches(template, keys.processed("2020-06-01", "run-1"))
    assert not location_template_matches(
        "processed/date=${load_date}/", keys.processed("2020-06-01", "r")
    )
    [descriptor] = table["storage_descriptor"]
    columns = [(c["name"], c["type"]) for c in MODULE.locals["columns"]] + [
        (c["name"], c["type"]) for c in descriptor["columns"]
    ]
    written = pq.read_schema(io.BytesIO(to_parquet("date,cases,deaths,recovered\n", "t")))
    assert columns == [(f.name, HIVE_TYPES[f.type]) for f in written]
    [partition] = table["partition_keys"]
    assert (partition["name"], partition["type"]) == ("load_date", "string")


def test_the_athena_view_is_the_file_etl_query_runs() -> None:
    view = MODULE.resource("aws_glue_catalog_table", "daily").body
    assert "file(var.daily_view_sql_path)" in view["view_original_text"]
    path = ROOT.locals["daily_view_sql"].replace("${path.root}", str(tfconfig.INFRA))
    with open(path) as handle:
        assert handle.read() == daily_view_sql()
    assert ROOT.modules["analytics"]["daily_view_sql_path"] == "${local.daily_view_sql}"


# --- The analysts' dashboard (modules/analyst_dashboard) ------------------------------------

DASHBOARD = tfconfig.load_module(tfconfig.INFRA / "modules" / "analyst_dashboard")
# What would open a way in that is not the workspace's signed-in URL.
INGRESS_TYPES = {"aws_security_group", "aws_lb", "aws_instance", "aws_grafana_workspace_api_key"}
SIGN_IN = {"AWS_SSO", "SAML"}  # Amazon Managed Grafana's two authentication providers


def ingress_problems(module: tfconfig.Module) -> list[str]:
    problems = [b.where() for b in module.resources if b.type in INGRESS_TYPES]
    for workspace in (b for b in module.resources if b.type == "aws_grafana_workspace"):
        providers = set(workspace.body.get("authentication_providers", []))
        if not providers or not providers <= SIGN_IN:
            problems.append(f"{workspace.where()}: sign-in {sorted(providers)}")
    return problems


def test_the_dashboard_is_off_by_default_and_reachable_only_signed_in() -> None:
    assert ROOT.variables["enable_analyst_dashboard"]["default"] is False
    assert ROOT.modules["analyst_dashboard"]["count"] == "${var.enable_analyst_dashboard ? 1 : 0}"
    assert ingress_problems(DASHBOARD) == []
    [workspace] = [b for b in DASHBOARD.resources if b.type == "aws_grafana_workspace"]
    assert workspace.body["data_sources"] == ["ATHENA"]


def test_the_ingress_check_refuses_an_open_way_in(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_grafana_workspace_api_key" "k" {\n  key_name = "k"\n}\n'
        'resource "aws_grafana_workspace" "w" {\n  authentication_providers = []\n}\n'
    )
    assert len(ingress_problems(tfconfig.load_module(tmp_path))) == 2


# --- Athena's query results expire (modules/storage) -----------------------------------------

STORAGE = tfconfig.load_module(tfconfig.INFRA / "modules" / "storage")


def expiring_prefixes(storage: tfconfig.Module) -> dict[str, Any]:
    """Prefix -> expiration days of each enabled lifecycle rule written out (not generated)."""
    lifecycle = storage.resource("aws_s3_bucket_lifecycle_configuration", "data").body
    found = {}
    for name, rule in tfconfig.blocks(lifecycle):
        if name != "rule" or rule.get("status") != "Enabled" or "expiration" not in rule:
            continue
        [filter_] = rule.get("filter", [{}])
        if "prefix" in filter_:
            found[filter_["prefix"]] = rule["expiration"][0].get("days")
    return found


def results_expiry_problems(root: tfconfig.Module, storage: tfconfig.Module) -> list[str]:
    problems = []
    written = root.modules["analytics"].get("results_prefix")
    if written is None or root.modules["storage"].get("query_results_prefix") != written:
        problems.append("storage does not expire the prefix Athena writes its results to")
    if not expiring_prefixes(storage).get("${var.query_results_prefix}"):
        problems.append("no enabled rule expires query_results_prefix after some days")
    return problems


def test_athenas_query_results_expire() -> None:
    assert results_expiry_problems(ROOT, STORAGE) == []
    assert ROOT.modules["storage"]["query_results_retention_days"] == (
        "${var.athena_results_retention_days}"
    )
    assert ROOT.variables["athena_results_retention_days"]["default"] == 7
    assert ROOT.locals["athena_results_prefix"] == "athena-results/"


def test_the_expiry_check_fails_on_a_result_location_nothing_expires(tmp_path: Path) -> None:
    storage_tf = (tfconfig.INFRA / "modules" / "storage" / "main.tf").read_text()
    (tmp_path / "main.tf").write_text(
        storage_tf.replace(
            '"expire-query-results"\n    status = "Enabled"',
            '"expire-query-results"\n    status = "Disabled"',
        )
    )
    assert results_expiry_problems(ROOT, tfconfig.load_module(tmp_path)) == [
        "no enabled rule expires query_results_prefix after some days"
    ]
    elsewhere = copy.deepcopy(ROOT)
    elsewhere.modules["analytics"]["results_prefix"] = "query-results/"
    assert results_expiry_problems(elsewhere, STORAGE) == [
        "storage does not expire the prefix Athena writes its results to"
    ]
