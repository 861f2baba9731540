from __future__ import annotations

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
