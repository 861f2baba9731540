"""The hashicorp/aws provider schema, reduced from @cdktf/provider-aws's .jsii to what a check needs.

The provider cannot be downloaded here, so ``terraform validate`` cannot run. The npm package
@cdktf/provider-aws (pinned in tests/tools/package.json) is generated from the provider's schema
and ships it in its 130 MB ``.jsii`` file: each resource class names its Terraform type in its
docs link (``.../docs/resources/<type>``), its Config struct lists the arguments (the docs
anchor ``#<argument>`` is the Terraform name, ``optional`` the required-ness) and nested blocks
are typed structs whose summary reads "<name> block.".

Reduced form, cached as JSON (a few MB) and rebuilt when missing::

    {"provider_version": "6.25.0",
     "resources": {"aws_s3_bucket": "<struct id>", ...},
     "data_sources": {...}, "provider": "<struct id>",
     "structs": {"<struct id>": {"arguments": {"bucket": false, ...},
                                 "blocks": {"versioning": {"struct": "<id>", "required": false}}}}}

Run as a script to build the cache: ``python tests/infra/provider_schema.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "tests" / "tools" / "node_modules" / "@cdktf" / "provider-aws"
CACHE_DIR = REPO / ".tools"

_TYPE_LINK = re.compile(
    r"hashicorp/aws/(?P<version>[0-9.]+)/docs/(?P<kind>resources|data-sources)/(?P<name>[a-z0-9_]+) "
)
_ARGUMENT_ANCHOR = re.compile(r"Docs at Terraform Registry: \{@link \S+#([a-z0-9_]+) ")
_PROVIDER_VERSION = re.compile(r"hashicorp/aws/([0-9.]+)/docs")
_STRUCT_REF = re.compile(r'"fqn": "(@cdktf/provider-aws\.[^"]+)"')


class SchemaUnavailable(RuntimeError):
    pass


def package_version(package: Path = PACKAGE) -> str:
    manifest = package / "package.json"
    if not manifest.exists():
        raise SchemaUnavailable(
            f"{manifest} is missing: run `make tools` (npm ci in tests/tools) to install "
            "@cdktf/provider-aws, which carries the AWS provider schema"
        )
    return json.loads(manifest.read_text())["version"]


def cache_path(package: Path = PACKAGE, cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"cdktf-provider-aws-{package_version(package)}.schema.json"


def load(package: Path = PACKAGE, cache_dir: Path = CACHE_DIR) -> dict[str, Any]:
    """The reduced schema, from the cache or built (and cached) from the package."""
    path = cache_path(package, cache_dir)
    if not path.exists():
        schema = reduce(json.loads((package / ".jsii").read_text()))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(schema, sort_keys=True, separators=(",", ":")))
        partial.replace(path)
    return json.loads(path.read_text())


def reduce(assembly: dict[str, Any]) -> dict[str, Any]:
    types: dict[str, Any] = assembly["types"]
    structs: dict[str, Any] = {}
    schema: dict[str, Any] = {"resources": {}, "data_sources": {}, "structs": structs}
    versions: set[str] = set()

    for cls in types.values():
        base = cls.get("base")
        if base not in (
            "cdktf.TerraformResource",
            "cdktf.TerraformDataSource",
            "cdktf.TerraformProvider",
        ):
            continue
        config = _config_struct(cls)
        summary = cls["docs"]["summary"]
        if base == "cdktf.TerraformProvider":
            versions.update(_PROVIDER_VERSION.findall(summary))
            schema["provider"] = _add_struct(types, config, structs)
            continue
        link = _TYPE_LINK.search(summary + " ")
        if not link:
            raise ValueError(f"{cls['fqn']}: no Terraform type in its docs link: {summary!r}")
        versions.add(link["version"])
        kind = "resources" if link["kind"] == "resources" else "data_sources"
        schema[kind][f"aws_{link['name']}"] = _add_struct(types, config, structs)

    if len(versions) != 1:
        raise ValueError(f"expected one provider version in the package, found {sorted(versions)}")
    schema["provider_version"] = versions.pop()
    return schema


def _config_struct(cls: dict[str, Any]) -> str:
    for parameter in cls["initializer"]["parameters"]:
        if parameter["name"] == "config":
            return parameter["type"]["fqn"]
    raise ValueError(f"{cls['fqn']}: no config parameter")


def _add_struct(types: dict[str, Any], fqn: str, structs: dict[str, Any]) -> str:
    if fqn in structs:
        return fqn
    entry: dict[str, Any] = {"arguments": {}, "blocks": {}}
    structs[fqn] = entry  # before recursing: a struct may (indirectly) contain itself
    for prop in _properties(types, fqn):
        docs = prop.get("docs", {})
        text = f"{docs.get('summary', '')} {docs.get('remarks', '')}"
        anchor = _ARGUMENT_ANCHOR.search(text)
        if not anchor:
            raise ValueError(f"{fqn}.{prop['name']}: no Terraform name in its docs link")
        name = anchor.group(1)
        required = not prop.get("optional", False)
        nested = [
            ref
            for ref in _STRUCT_REF.findall(json.dumps(prop["type"]))
            if types.get(ref, {}).get("datatype")
        ]
        if nested and docs.get("summary", "").endswith(" block."):
            entry["blocks"][name] = {
                "struct": _add_struct(types, nested[0], structs),
                "required": required,
            }
        else:
            entry["arguments"][name] = required
    return fqn


def _properties(types: dict[str, Any], fqn: str) -> list[dict[str, Any]]:
    struct = types[fqn]
    inherited = [
        prop
        for parent in struct.get("interfaces", [])
        if parent.startswith("@cdktf/provider-aws.")
        for prop in _properties(types, parent)
    ]
    return inherited + struct.get("properties", [])


def main() -> int:
    try:
        path = cache_path()
        schema = load()
    except SchemaUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{path.relative_to(REPO)}: hashicorp/aws {schema['provider_version']}, "
        f"{len(schema['resources'])} resources, {len(schema['data_sources'])} data sources"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
