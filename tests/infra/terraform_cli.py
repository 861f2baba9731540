"""The terraform binary, for what works without a provider: fmt, and applying configurations
that only compute (locals, outputs, the provider-free grants module)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def binary() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.fail(
            "terraform is not on PATH: install Terraform 1.10+ (the infra tests run "
            "`terraform fmt` and evaluate provider-free configurations with it)",
            pytrace=False,
        )
    return path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary(), *args], cwd=cwd, check=False, capture_output=True, text=True, timeout=120
    )


def evaluate(folder: Path, files: dict[str, str], variables: dict[str, Any]) -> dict[str, Any]:
    """Write a provider-free configuration into folder, apply it, return its output values."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "terraform.tfvars.json").write_text(json.dumps(variables))
    for args in (
        ["init", "-input=false", "-no-color"],
        ["apply", "-auto-approve", "-input=false", "-no-color"],
    ):
        result = run(args, folder)
        assert result.returncode == 0, (
            f"terraform {args[0]} failed:\n{result.stdout}{result.stderr}"
        )
    result = run(["output", "-json"], folder)
    assert result.returncode == 0, result.stderr
    return {name: spec["value"] for name, spec in json.loads(result.stdout).items()}
