"""``etl deploy plan|apply|destroy|outputs --env ENV``: Terraform for one environment.

Every action first runs ``terraform init`` with ``environments/<env>.backend.hcl`` (plus the
state bucket made once by infra/bootstrap), then:

- plan: ``terraform plan`` with ``environments/<env>.tfvars`` into ``<env>.tfplan``;
- apply: applies that saved plan, exactly what was reviewed (run plan first);
- destroy: destroys the environment's resources, without asking (the caller gates it), but
  only when nothing in its state is protected: a table with deletion protection or a bucket
  without force_destroy would stop the destroy halfway. To destroy a protected environment
  (prod), first set deletion_protection = false and force_destroy_data = true in its tfvars,
  plan and apply that, then destroy;
- outputs: prints the outputs as a JSON object of values.

Exit status: 0 done, 1 Terraform failed, 2 a prerequisite is missing (the terraform binary,
AWS credentials, the environment's files, the state bucket and its key, the saved plan, a
protected environment to destroy).

The state is encrypted with the bootstrap's key (its ARN, output state_key_arn): the S3
backend's ``encrypt = true`` alone asks S3 for AES256.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from python_terraform import IsFlagged, IsNotFlagged, Terraform

from etl_tools.command import add_command

INFRA_DIR = Path(__file__).resolve().parent.parent / "infra"
BOOTSTRAP_DIR = INFRA_DIR / "bootstrap"
ACTIONS = ("plan", "apply", "destroy", "outputs")
MIN_TERRAFORM = (1, 10)  # the S3 backend's native lock file (use_lockfile)
# Plan exit codes with -detailed-exitcode.
PLAN_NO_CHANGES, PLAN_CHANGES = 0, 2


class DeployError(Exception):
    """A prerequisite is missing: the message says which and how to provide it."""


class TerraformFailed(Exception):
    pass


@dataclass(frozen=True)
class Environment:
    name: str
    infra_dir: Path
    state_bucket: str | None = None
    state_key_arn: str | None = None

    @property
    def backend_config(self) -> Path:
        return self.infra_dir / "environments" / f"{self.name}.backend.hcl"

    @property
    def var_file(self) -> Path:
        return self.infra_dir / "environments" / f"{self.name}.tfvars"

    @property
    def plan_file(self) -> Path:
        return self.infra_dir / f"{self.name}.tfplan"

    def check_files(self) -> None:
        for path in (self.backend_config, self.var_file):
            if not path.is_file():
                known = sorted(p.stem for p in (self.infra_dir / "environments").glob("*.tfvars"))
                raise DeployError(
                    f"{path} is missing: environment {self.name!r} is not configured "
                    f"(configured: {', '.join(known) or 'none'})"
                )

    def backend_settings(self) -> list[str]:
        """-backend-config values: the environment's file, then the state bucket if given."""
        settings = [str(self.backend_config.relative_to(self.infra_dir))]
        text = self.backend_config.read_text()
        names_bucket = re.search(r"^\s*bucket\s*=", text, re.MULTILINE)
        if self.state_bucket:
            settings.append(f"bucket={self.state_bucket}")
        elif re.search(r"^\s*key\s*=", text, re.MULTILINE) and not names_bucket:
            raise DeployError(
                f"{self.backend_config} names no state bucket: pass --state-bucket or set "
                "TF_STATE_BUCKET to the state_bucket output of infra/bootstrap "
                "(created once per account, see README 'Deploy to AWS')"
            )
        encrypts = re.search(r"^\s*encrypt\s*=\s*true", text, re.MULTILINE)
        names_key = re.search(r"^\s*kms_key_id\s*=", text, re.MULTILINE)
        if encrypts and not names_key:
            if not self.state_key_arn:
                raise DeployError(
                    f"{self.backend_config} encrypts the state but names no key (S3 would use "
                    "AES256): pass --state-key-arn or set TF_STATE_KEY_ARN to the state_key_arn "
                    "output of infra/bootstrap"
                )
            settings.append(f"kms_key_id={self.state_key_arn}")
        return settings


def terraform(binary: str, working_dir: Path) -> Terraform:
    path = shutil.which(binary)
    if path is None:
        raise DeployError(
            f"{binary!r} not found: install Terraform {'.'.join(map(str, MIN_TERRAFORM))}+ "
            "and put it on PATH (or pass --terraform-bin)"
        )
    version = _terraform_version(path)
    if version < MIN_TERRAFORM:
        raise DeployError(
            f"{path} is Terraform {'.'.join(map(str, version))}; "
            f"{'.'.join(map(str, MIN_TERRAFORM))}+ is needed (S3 native state locking)"
        )
    return Terraform(working_dir=str(working_dir), terraform_bin_path=path)


def _terraform_version(path: str) -> tuple[int, ...]:
    result = subprocess.run([path, "version", "-json"], check=False, capture_output=True, text=True)
    try:
        version = json.loads(result.stdout)["terraform_version"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise DeployError(f"{path} version -json gave no version: {result.stderr}") from exc
    return tuple(int(part) for part in version.split("-")[0].split(".")[:2])


def require_aws_credentials() -> None:
    """Fail early and clearly rather than deep inside the provider."""
    if botocore.session.get_session().get_credentials() is None:
        raise DeployError(
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run where a role provides them (Jenkins binds them)"
        )


def _run(step: str, result: tuple[int, Any, Any], ok: tuple[int, ...] = (0,)) -> int:
    code = result[0]
    if code not in ok:
        raise TerraformFailed(f"terraform {step} failed (exit {code})")
    return code


def init(tf: Terraform, env: Environment) -> None:
    init_backend(tf, env.backend_settings())


def init_backend(tf: Terraform, backend: list[str], **flags: Any) -> None:
    # Quiet unless it fails: its advice is noise before every action.
    code, out, err = tf.init(backend_config=backend or None, var=None, **flags)
    if code != 0:
        print(out, err, sep="\n", file=sys.stderr)
        raise TerraformFailed(f"terraform init failed (exit {code})")


def plan(tf: Terraform, env: Environment) -> bool:
    """Write the plan file; True when it changes something."""
    env.plan_file.unlink(missing_ok=True)
    code = _run(
        "plan",
        tf.plan(
            out=env.plan_file.name,
            var_file=str(env.var_file.relative_to(env.infra_dir)),
            var=None,
            capture_output=False,
        ),
        ok=(PLAN_NO_CHANGES, PLAN_CHANGES),
    )
    return code == PLAN_CHANGES


def apply(tf: Terraform, env: Environment) -> None:
    if not env.plan_file.is_file():
        raise DeployError(
            f"{env.plan_file} is missing: run `etl deploy plan --env {env.name}` first; "
            "apply only applies a reviewed plan"
        )
    try:
        # A saved plan carries its variables: passing any is an error.
        _run("apply", tf.apply(env.plan_file.name, var=None, capture_output=False))
    finally:
        # Applied or stale, a plan is used once.
        env.plan_file.unlink(missing_ok=True)


def protected_resources(state: dict[str, Any]) -> list[str]:
    """Resources of a Terraform state that AWS or the provider would refuse to delete: DynamoDB
    tables with deletion protection, S3 buckets without force_destroy (a versioned bucket is
    never empty)."""
    protected = []
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed":
            continue
        address = ".".join(
            filter(None, [resource.get("module"), resource["type"], resource["name"]])
        )
        for instance in resource.get("instances", []):
            attributes = instance.get("attributes", {})
            if resource["type"] == "aws_dynamodb_table" and attributes.get(
                "deletion_protection_enabled"
            ):
                protected.append(f"{address} (deletion protection)")
            if resource["type"] == "aws_s3_bucket" and not attributes.get("force_destroy"):
                protected.append(f"{address} (no force_destroy)")
    return protected


def pull_state(tf: Terraform) -> dict[str, Any]:
    code, out, err = tf.cmd("state", "pull")
    if code != 0:
        raise TerraformFailed(f"terraform state pull failed (exit {code}): {err}")
    return json.loads(out or "{}")


def check_destroyable(tf: Terraform, env: Environment) -> None:
    protected = protected_resources(pull_state(tf))
    if protected:
        raise DeployError(
            f"{env.name} is protected and a destroy would stop halfway: {', '.join(protected)}. "
            f"First set deletion_protection = false and force_destroy_data = true in "
            f"{env.var_file.name}, run `etl deploy plan --env {env.name}` and `etl deploy apply "
            f"--env {env.name}`, then destroy"
        )


def destroy(tf: Terraform, env: Environment) -> None:
    check_destroyable(tf, env)
    _run(
        "destroy",
        tf.destroy(
            var_file=str(env.var_file.relative_to(env.infra_dir)),
            var=None,
            force=IsNotFlagged,  # python-terraform's default -force left Terraform in 0.15
            auto_approve=IsFlagged,
            capture_output=False,
        ),
    )


def outputs(tf: Terraform) -> dict[str, Any]:
    code, out, err = tf.output_cmd(json=IsFlagged)
    if code != 0:
        raise TerraformFailed(f"terraform output failed (exit {code}): {err}")
    return {name: spec["value"] for name, spec in json.loads(out).items()}


def run(action: str, env: Environment, terraform_bin: str = "terraform") -> int:
    if action not in ACTIONS:
        raise DeployError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    tf = terraform(terraform_bin, env.infra_dir)
    env.check_files()
    require_aws_credentials()
    init(tf, env)
    if action == "plan":
        changes = plan(tf, env)
        print(
            f"plan saved to {env.plan_file}: "
            + ("changes to apply" if changes else "no changes")
            + f"; `etl deploy apply --env {env.name}` applies it"
        )
    elif action == "apply":
        apply(tf, env)
    elif action == "destroy":
        destroy(tf, env)
    else:
        print(json.dumps(outputs(tf), indent=2, sort_keys=True))
    return 0


# --- The state backend, once per account: `etl bootstrap` -------------------------------------

# infra/bootstrap's own state lives in the bucket it makes (durable, whatever wipes the
# workspace); only the very first run, before the bucket exists, starts it locally.
BOOTSTRAP_STATE_KEY = "bootstrap/terraform.tfstate"
FIRST_RUN_OVERRIDE = "first_run_override.tf"
# Names of infra/bootstrap (project covid-etl): tests/infra checks they match.
STATE_BUCKET_PREFIX = "covid-etl-tfstate-"
STATE_KEY_ALIAS = "alias/covid-etl-tfstate"


def bootstrap_backend(bucket: str, key_arn: str, region: str) -> list[str]:
    return [
        f"bucket={bucket}",
        f"key={BOOTSTRAP_STATE_KEY}",
        f"region={region}",
        "encrypt=true",
        f"kms_key_id={key_arn}",
        "use_lockfile=true",
    ]


def existing_state_backend(session: Any) -> tuple[list[str], list[tuple[str, str]]] | None:
    """The bootstrap's backend settings when the account has its state bucket already, and what
    to import should that bucket's bootstrap state be missing (a state kept locally before)."""
    account = session.client("sts").get_caller_identity()["Account"]
    bucket = STATE_BUCKET_PREFIX + account
    s3 = session.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchBucket"):
            return None
        raise
    key = session.client("kms").describe_key(KeyId=STATE_KEY_ALIAS)["KeyMetadata"]
    adoption = [
        ("aws_s3_bucket.state", bucket),
        ("aws_kms_key.state", key["KeyId"]),
        ("aws_kms_alias.state", STATE_KEY_ALIAS),
    ]
    return bootstrap_backend(bucket, key["Arn"], session.region_name), adoption


def bootstrap(
    tf: Terraform,
    folder: Path,
    existing: tuple[list[str], list[tuple[str, str]]] | None,
    backend_of: Any,
) -> dict[str, Any]:
    """Create or converge the state backend; re-runnable. ``existing`` is what
    existing_state_backend found; ``backend_of(outputs)`` gives the backend settings a first
    run moves its state to."""
    if existing is not None:
        backend, adoption = existing
        init_backend(tf, backend)
        if not pull_state(tf).get("resources"):
            for address, resource_id in adoption:  # made before its state was durable
                _run(f"import {address}", tf.cmd("import", address, resource_id, var=None))
        _run("apply", tf.apply(skip_plan=True, var=None, capture_output=False))
        return outputs(tf)
    override = folder / FIRST_RUN_OVERRIDE
    override.write_text('terraform {\n  backend "local" {}\n}\n')
    try:
        init_backend(tf, [])
        _run("apply", tf.apply(skip_plan=True, var=None, capture_output=False))
        made = outputs(tf)
    finally:
        override.unlink()
    init_backend(
        tf,
        backend_of(made),
        reconfigure=IsNotFlagged,
        migrate_state=IsFlagged,
        force_copy=IsFlagged,
    )
    for local in ("terraform.tfstate", "terraform.tfstate.backup"):
        (folder / local).unlink(missing_ok=True)
    return made


def bootstrap_command(args: Namespace) -> int:
    return _exit_status("etl bootstrap", lambda: _bootstrap(args))


def _bootstrap(args: Namespace) -> int:
    tf = terraform(args.terraform_bin, args.bootstrap_dir)
    require_aws_credentials()
    session = boto3.session.Session()
    made = bootstrap(
        tf,
        args.bootstrap_dir,
        existing_state_backend(session),
        lambda out: bootstrap_backend(
            out["state_bucket"], out["state_key_arn"], session.region_name
        ),
    )
    print(f"export TF_STATE_BUCKET={made['state_bucket']}")
    print(f"export TF_STATE_KEY_ARN={made['state_key_arn']}")
    return 0


def command(args: Namespace) -> int:
    env = Environment(args.env, args.infra_dir.resolve(), args.state_bucket, args.state_key_arn)
    return _exit_status("etl deploy", lambda: run(args.action, env, args.terraform_bin))


def _exit_status(prog: str, action: Any) -> int:
    """2 for a missing prerequisite, 1 for a failed Terraform, each with its message."""
    try:
        return action()
    except DeployError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except TerraformFailed as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "deploy",
        command,
        state_dir=None,
        help="plan, apply, destroy or read the outputs of an AWS environment (Terraform)",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--env", required=True, help="environment: infra/environments/<env>.*")
    parser.add_argument(
        "--infra-dir",
        type=Path,
        default=INFRA_DIR,
        help="the Terraform root configuration (default: infra/)",
    )
    parser.add_argument(
        "--state-bucket",
        default=os.environ.get("TF_STATE_BUCKET") or None,
        help="S3 bucket of the Terraform state, output of infra/bootstrap "
        "(default: $TF_STATE_BUCKET)",
    )
    parser.add_argument(
        "--state-key-arn",
        default=os.environ.get("TF_STATE_KEY_ARN") or None,
        help="ARN of the KMS key encrypting the state, output state_key_arn of infra/bootstrap "
        "(default: $TF_STATE_KEY_ARN)",
    )
    parser.add_argument(
        "--terraform-bin",
        default=os.environ.get("TERRAFORM", "terraform"),
        help="terraform executable (default: $TERRAFORM or terraform on PATH)",
    )

    bootstrap_parser = add_command(
        subparsers,
        "bootstrap",
        bootstrap_command,
        state_dir=None,
        help="create or update the account's Terraform state bucket and key (re-runnable)",
        description="infra/bootstrap, once per account and safe to repeat: its own state is "
        f"kept in the state bucket ({BOOTSTRAP_STATE_KEY}). Prints TF_STATE_BUCKET and "
        "TF_STATE_KEY_ARN. Exit 0 done, 1 Terraform failed, 2 a prerequisite is missing.",
    )
    bootstrap_parser.add_argument(
        "--bootstrap-dir", type=Path, default=BOOTSTRAP_DIR, help=argparse.SUPPRESS
    )
    bootstrap_parser.add_argument(
        "--terraform-bin",
        default=os.environ.get("TERRAFORM", "terraform"),
        help="terraform executable (default: $TERRAFORM or terraform on PATH)",
    )
