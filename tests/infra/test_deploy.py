"""`etl deploy` against the real terraform binary, on a configuration that needs no provider:
init with the environment's backend file, plan to a file, apply that plan, outputs, destroy."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from etl_tools import deploy

from . import terraform_cli

FIXTURE = Path(__file__).parent / "deploy_fixture"

# python-terraform 0.10.1 logs a failed command with the deprecated Logger.warn.
pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")


@pytest.fixture
def infra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    terraform_cli.binary()
    folder = tmp_path / "infra"
    shutil.copytree(FIXTURE, folder)
    # Credentials only have to exist: terraform_data never calls AWS.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("TF_STATE_BUCKET", raising=False)
    return folder


def etl_deploy(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="etl")
    deploy.register(parser.add_subparsers(required=True))
    args = parser.parse_args(["deploy", *argv])
    return args.func(args)


def test_plan_apply_outputs_destroy(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    target = ("--env", "test", "--infra-dir", str(infra))

    assert etl_deploy("plan", *target) == 0
    assert (infra / "test.tfplan").is_file()
    assert "changes to apply" in capfd.readouterr().out

    assert etl_deploy("apply", *target) == 0
    assert not (infra / "test.tfplan").exists(), "a plan is applied once"
    state = json.loads((infra / "test.tfstate").read_text())  # from test.backend.hcl
    assert [r["type"] for r in state["resources"]] == ["terraform_data"]
    capfd.readouterr()

    assert etl_deploy("outputs", *target) == 0
    assert json.loads(capfd.readouterr().out) == {"marker": "covid-etl-test"}

    assert etl_deploy("plan", *target) == 0
    assert "no changes" in capfd.readouterr().out

    assert etl_deploy("destroy", *target) == 0
    assert json.loads((infra / "test.tfstate").read_text())["resources"] == []


def test_apply_needs_a_saved_plan(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert etl_deploy("apply", "--env", "test", "--infra-dir", str(infra)) == 2
    assert "run `etl deploy plan --env test` first" in capfd.readouterr().err


def test_a_stale_plan_is_refused(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    target = ("--env", "test", "--infra-dir", str(infra))
    assert etl_deploy("plan", *target) == 0
    stale = (infra / "test.tfplan").read_bytes()
    assert etl_deploy("apply", *target) == 0
    (infra / "test.tfplan").write_bytes(stale)
    capfd.readouterr()
    assert etl_deploy("apply", *target) == 1
    assert "terraform apply failed" in capfd.readouterr().err


def test_a_missing_terraform_is_named(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    argv = ("plan", "--env", "test", "--infra-dir", str(infra), "--terraform-bin", "no-terraform")
    assert etl_deploy(*argv) == 2
    assert "'no-terraform' not found: install Terraform 1.10+" in capfd.readouterr().err


def test_missing_credentials_are_named(
    infra: Path, no_aws_credentials: None, capfd: pytest.CaptureFixture[str]
) -> None:
    assert etl_deploy("plan", "--env", "test", "--infra-dir", str(infra)) == 2
    assert "no AWS credentials" in capfd.readouterr().err


def test_an_unknown_environment_is_named(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert etl_deploy("plan", "--env", "staging", "--infra-dir", str(infra)) == 2
    err = capfd.readouterr().err
    assert "environment 'staging' is not configured (configured: test)" in err


def test_an_s3_backend_without_state_bucket_is_named(
    infra: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (infra / "environments" / "cloud.backend.hcl").write_text('key = "x/terraform.tfstate"\n')
    (infra / "environments" / "cloud.tfvars").write_text('environment = "cloud"\n')
    assert etl_deploy("plan", "--env", "cloud", "--infra-dir", str(infra)) == 2
    assert (
        "names no state bucket: pass --state-bucket or set TF_STATE_BUCKET"
        in capfd.readouterr().err
    )


def test_the_state_bucket_is_passed_to_init(infra: Path) -> None:
    env = deploy.Environment("test", infra, state_bucket="covid-etl-tfstate-123456789012")
    assert env.backend_settings() == [
        "environments/test.backend.hcl",
        "bucket=covid-etl-tfstate-123456789012",
    ]


def test_a_failing_terraform_exits_1(infra: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (infra / "environments" / "broken.backend.hcl").write_text('path = "broken.tfstate"\n')
    (infra / "environments" / "broken.tfvars").write_text("")  # the required variable unset
    assert etl_deploy("plan", "--env", "broken", "--infra-dir", str(infra)) == 1
    assert "terraform plan failed" in capfd.readouterr().err


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_real_environments_are_configured(env: str) -> None:
    environment = deploy.Environment(env, deploy.INFRA_DIR)
    environment.check_files()
    with pytest.raises(deploy.DeployError, match="names no state bucket"):
        environment.backend_settings()


STATE_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_real_environments_encrypt_their_state_with_the_bootstrap_key(env: str) -> None:
    """encrypt = true alone makes the S3 backend ask for AES256: the key is named at init."""
    environment = deploy.Environment(env, deploy.INFRA_DIR, "covid-etl-tfstate-1", STATE_KEY)
    assert environment.backend_settings()[-1] == f"kms_key_id={STATE_KEY}"
    with pytest.raises(deploy.DeployError, match="names no key .*state_key_arn output"):
        deploy.Environment(env, deploy.INFRA_DIR, "covid-etl-tfstate-1").backend_settings()


def test_the_key_check_accepts_a_backend_that_names_its_key(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "x.backend.hcl").write_text(
        f'key = "k"\nencrypt = true\nkms_key_id = "{STATE_KEY}"\n'
    )
    settings = deploy.Environment("x", tmp_path, "bucket").backend_settings()
    assert not [s for s in settings if s.startswith("kms_key_id=")]


def _state_with(resource_type: str, attributes: dict) -> dict:
    return {
        "version": 4,
        "terraform_version": "1.10.0",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000000",
        "outputs": {},
        "resources": [
            {
                "module": "module.tables",
                "mode": "managed",
                "type": resource_type,
                "name": "daily",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"schema_version": 0, "attributes": attributes}],
            }
        ],
        "check_results": None,
    }


@pytest.mark.parametrize(
    ("resource_type", "attributes", "protected"),
    [
        ("aws_dynamodb_table", {"deletion_protection_enabled": True}, True),
        ("aws_dynamodb_table", {"deletion_protection_enabled": False}, False),
        ("aws_s3_bucket", {"force_destroy": False}, True),
        ("aws_s3_bucket", {"force_destroy": True}, False),
    ],
)
def test_protected_resources_are_found_in_the_state(
    resource_type: str, attributes: dict, protected: bool
) -> None:
    found = deploy.protected_resources(_state_with(resource_type, attributes))
    assert bool(found) is protected
    if protected:
        assert found[0].startswith(f"module.tables.{resource_type}.daily")


def test_a_protected_environment_is_not_destroyed_halfway(
    infra: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """What prod's first destroy met: a table with deletion protection. Refused up front, with
    the two steps that work, and nothing is destroyed."""
    state = _state_with("aws_dynamodb_table", {"deletion_protection_enabled": True})
    # The built-in provider's address, so that init needs no download; state pull reads as is.
    state["resources"][0]["provider"] = 'provider["terraform.io/builtin/terraform"]'
    (infra / "test.tfstate").write_text(json.dumps(state))
    assert etl_deploy("destroy", "--env", "test", "--infra-dir", str(infra)) == 2
    err = capfd.readouterr().err
    assert "test is protected and a destroy would stop halfway" in err
    assert "module.tables.aws_dynamodb_table.daily (deletion protection)" in err
    assert "deletion_protection = false and force_destroy_data = true" in err
    assert json.loads((infra / "test.tfstate").read_text())["resources"] == state["resources"]
