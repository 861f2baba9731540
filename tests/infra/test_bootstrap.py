"""`etl bootstrap`: re-runnable, its own state durable in the state bucket (issue 11, finding 7).

End to end against the real terraform binary on a provider-free copy of infra/bootstrap's
shape (tests/infra/bootstrap_fixture), the durable backend being a local file standing in for
the bucket; the AWS lookups run on moto.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from etl_tools import deploy

from . import terraform_cli, tfconfig

FIXTURE = Path(__file__).parent / "bootstrap_fixture"

pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    terraform_cli.binary()
    copy = tmp_path / "bootstrap"
    shutil.copytree(FIXTURE, copy)
    return copy


def run_bootstrap(folder: Path, durable: Path) -> dict:
    """One `etl bootstrap` as on a fresh workspace: existing when the durable state exists."""
    shutil.rmtree(folder / ".terraform", ignore_errors=True)
    (folder / ".terraform.lock.hcl").unlink(missing_ok=True)
    backend = [f"path={durable}"]
    existing = (backend, []) if durable.exists() else None
    tf = deploy.terraform("terraform", folder)
    return deploy.bootstrap(tf, folder, existing, lambda outputs: backend)


def resources(state_file: Path) -> list[dict]:
    return json.loads(state_file.read_text())["resources"]


def test_the_first_run_moves_its_state_to_the_durable_backend(folder: Path, tmp_path: Path) -> None:
    durable = tmp_path / "bucket" / "bootstrap.tfstate"
    durable.parent.mkdir()
    made = run_bootstrap(folder, durable)
    assert made["state_bucket"] == "covid-etl-tfstate-123456789012"
    assert [r["type"] for r in resources(durable)] == ["terraform_data"]
    assert not (folder / "terraform.tfstate").exists(), "nothing left for cleanWs to wipe"
    assert not (folder / deploy.FIRST_RUN_OVERRIDE).exists()


def test_a_second_run_on_a_wiped_workspace_changes_nothing(folder: Path, tmp_path: Path) -> None:
    durable = tmp_path / "bootstrap.tfstate"
    run_bootstrap(folder, durable)
    first = resources(durable)
    run_bootstrap(folder, durable)  # .terraform wiped in between, like cleanWs()
    assert resources(durable) == first, "the same resource, not a second one"


def test_a_workspace_local_state_would_create_everything_anew(folder: Path, tmp_path: Path) -> None:
    """The old way: a local state in the wiped workspace. The second run creates anew (on AWS:
    BucketAlreadyOwnedByYou), which the durable state prevents."""
    tf = deploy.terraform("terraform", folder)
    ids = []
    for _ in range(2):
        shutil.rmtree(folder / ".terraform", ignore_errors=True)
        (folder / "terraform.tfstate").unlink(missing_ok=True)  # cleanWs()
        (folder / deploy.FIRST_RUN_OVERRIDE).write_text('terraform {\n  backend "local" {}\n}\n')
        deploy.init_backend(tf, [])
        tf.apply(skip_plan=True, var=None)
        ids.append(resources(folder / "terraform.tfstate")[0]["instances"][0]["attributes"]["id"])
    assert ids[0] != ids[1]


def test_the_real_bootstrap_keeps_its_state_in_the_s3_backend() -> None:
    text = (tfconfig.INFRA / "bootstrap" / "versions.tf").read_text()
    assert 'backend "s3" {}' in text


def test_the_names_etl_bootstrap_looks_up_are_the_bootstraps() -> None:
    bootstrap = tfconfig.load_module(tfconfig.INFRA / "bootstrap")
    assert (
        bootstrap.locals["bucket_name"].startswith("${var.project}-tfstate-")
        and deploy.STATE_BUCKET_PREFIX == f"{bootstrap.variables['project']['default']}-tfstate-"
    )
    alias = bootstrap.resource("aws_kms_alias", "state").body["name"]
    assert alias.replace("${var.project}", "covid-etl") == deploy.STATE_KEY_ALIAS
    for address in ("aws_s3_bucket.state", "aws_kms_key.state", "aws_kms_alias.state"):
        bootstrap.resource(*address.split("."))  # what a lost state is rebuilt from


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.session.Session()


def test_no_state_bucket_means_a_first_run(session: boto3.session.Session) -> None:
    assert deploy.existing_state_backend(session) is None


def test_an_existing_bucket_is_the_backend_and_what_to_adopt(
    session: boto3.session.Session,
) -> None:
    account = session.client("sts").get_caller_identity()["Account"]
    bucket = deploy.STATE_BUCKET_PREFIX + account
    session.client("s3").create_bucket(Bucket=bucket)
    kms = session.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=deploy.STATE_KEY_ALIAS, TargetKeyId=key["KeyId"])
    backend, adoption = deploy.existing_state_backend(session)
    assert f"bucket={bucket}" in backend and f"kms_key_id={key['Arn']}" in backend
    assert f"key={deploy.BOOTSTRAP_STATE_KEY}" in backend and "encrypt=true" in backend
    assert dict(adoption) == {
        "aws_s3_bucket.state": bucket,
        "aws_kms_key.state": key["KeyId"],
        "aws_kms_alias.state": deploy.STATE_KEY_ALIAS,
    }


def test_etl_bootstrap_names_a_missing_prerequisite(
    folder: Path, no_aws_credentials: None, capfd: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="etl")
    deploy.register(parser.add_subparsers(required=True))
    args = parser.parse_args(["bootstrap", "--bootstrap-dir", str(folder)])
    assert args.func(args) == 2
    assert "etl bootstrap: no AWS credentials" in capfd.readouterr().err
