"""The runtime package ships whole: nothing in it may import the tooling or a package the layer
does not carry (the layer's own import test, tests/infra/test_packaging.py, needs the wheels;
this one reads the sources)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "covid_etl"
# Top-level import name of each distribution pyproject.toml's [project] dependencies pin.
LAYER_IMPORT_NAMES = {
    "boto3",
    "botocore",
    "requests",
    "urllib3",
    "fastjsonschema",
    "aws_lambda_powertools",
}


def imported_top_levels(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def outside_the_layer(top_levels: set[str]) -> set[str]:
    allowed = set(sys.stdlib_module_names) | LAYER_IMPORT_NAMES | {"covid_etl"}
    return top_levels - allowed


def test_the_import_names_are_the_pinned_runtime_dependencies() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pinned = {dep.split("==")[0].replace("-", "_") for dep in pyproject["project"]["dependencies"]}
    assert pinned == LAYER_IMPORT_NAMES


def test_no_runtime_module_imports_the_tooling_or_a_dev_package() -> None:
    offending = {
        str(path.relative_to(REPO)): outside
        for path in sorted(RUNTIME.rglob("*.py"))
        if (outside := outside_the_layer(imported_top_levels(path)))
    }
    assert offending == {}


def test_the_check_sees_a_tooling_or_dev_import(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text(
        "import json\nfrom etl_tools.local import runner\n"
        "def f():\n    from python_terraform import Terraform\n"
    )
    assert outside_the_layer(imported_top_levels(module)) == {"etl_tools", "python_terraform"}
