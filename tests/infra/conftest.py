from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import provider_schema, tfconfig


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    try:
        return provider_schema.load()
    except provider_schema.SchemaUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def infra_modules() -> dict[str, tfconfig.Module]:
    """Every folder of infra/ with .tf files, keyed by its path relative to infra/."""
    return {
        str(folder.relative_to(tfconfig.INFRA)): tfconfig.load_module(folder)
        for folder in tfconfig.module_folders()
    }


@pytest.fixture
def no_aws_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials anywhere botocore looks: environment, files, instance or container."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
