"""Terraform configurations as python-hcl2 reads them: the blocks of a module folder, by kind.

python-hcl2 marks blocks with ``__is_block__`` (so ``versioning { ... }`` and ``tags = {...}``
stay apart) and keeps expressions as ``${...}`` strings; labels and string literals come back
without their quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"

_OPTIONS = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)


@dataclass(frozen=True)
class Block:
    """One labelled block: ``resource "aws_s3_bucket" "data" {...}`` is kind resource,
    type aws_s3_bucket, name data."""

    kind: str
    type: str
    name: str
    body: dict[str, Any]
    file: Path

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    def where(self) -> str:
        shown = self.file.relative_to(REPO) if self.file.is_relative_to(REPO) else self.file
        return f"{shown}: {self.address}"


@dataclass
class Module:
    """The .tf files of one folder, merged the way Terraform merges them."""

    path: Path
    resources: list[Block] = field(default_factory=list)
    data: list[Block] = field(default_factory=list)
    providers: list[Block] = field(default_factory=list)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)

    def resource(self, type_: str, name: str) -> Block:
        for block in self.resources:
            if (block.type, block.name) == (type_, name):
                return block
        raise KeyError(f"{self.path}: no resource {type_}.{name}")

    def data_source(self, type_: str, name: str) -> Block:
        for block in self.data:
            if (block.type, block.name) == (type_, name):
                return block
        raise KeyError(f"{self.path}: no data {type_}.{name}")


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


def load_module(path: Path) -> Module:
    module = Module(path)
    files = sorted(path.glob("*.tf"))
    if not files:
        raise FileNotFoundError(f"no .tf files in {path}")
    for file in files:
        parsed = parse_file(file)
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for entry in parsed.get(kind, []):
                for type_, named in _labelled(entry):
                    for name, body in _labelled(named):
                        target.append(Block(kind, type_, name, body, file))
        for entry in parsed.get("provider", []):
            for type_, body in _labelled(entry):
                module.providers.append(Block("provider", type_, "", body, file))
        for kind, target in (
            ("module", module.modules),
            ("variable", module.variables),
            ("output", module.outputs),
            ("check", module.checks),
        ):
            for entry in parsed.get(kind, []):
                for name, body in _labelled(entry):
                    target[name] = body
        for entry in parsed.get("locals", []):
            module.locals.update(attributes(entry))
    return module


def module_folders(root: Path = INFRA) -> list[Path]:
    """Every folder of the configuration that holds .tf files (root, bootstrap, modules)."""
    return sorted(
        {file.parent for file in root.rglob("*.tf") if ".terraform" not in file.parts},
    )


def _labelled(entry: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for label, body in entry.items():
        if not label.startswith("__"):
            yield label, body


def is_block(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_block_body(item) for item in value)


def _block_body(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__is_block__") is True


def attributes(body: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a block body (its nested blocks and markers left out)."""
    return {
        key: value
        for key, value in body.items()
        if not key.startswith("__") and not is_block(value) and key != "dynamic"
    }


def blocks(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The nested blocks of a block body, one (name, body) per block, dynamic ones excluded."""
    for key, value in body.items():
        if not key.startswith("__") and key != "dynamic" and is_block(value):
            for item in value:
                yield key, item


def dynamic_blocks(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``dynamic "name" { for_each = ... content { ... } }``: (name, the dynamic block's body)."""
    for entry in body.get("dynamic", []):
        yield from _labelled(entry)


_REFERENCE = re.compile(r"^\$\{([^${}]+)\}$")


def reference(value: Any) -> str | None:
    """``"${var.x}"`` -> ``"var.x"``; None for literals and composite templates."""
    if isinstance(value, str):
        match = _REFERENCE.match(value)
        if match:
            return match.group(1).strip()
    return None
