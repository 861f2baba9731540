"""Check resource, data and provider blocks against the AWS provider schema, as `validate` would.

For every block: its type exists; each argument and nested block it sets exists under that
name (a block written as an argument, or the reverse, is an error too); every required argument
and required nested block is there. ``dynamic`` blocks count as the block they generate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from .tfconfig import Block, Module, attributes, blocks, dynamic_blocks

# Meta-arguments Terraform itself reads, valid on every resource (and data) block.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
META_BLOCKS = {"lifecycle"}
RESOURCE_ONLY_META_BLOCKS = {"provisioner", "connection"}
PROVIDER_META_ARGUMENTS = {"alias"}
# Types of Terraform's built-in provider: no download, no schema to check against.
BUILTIN_TYPES = {"terraform_data"}


@dataclass(frozen=True)
class Report:
    problems: list[str]
    checked: list[Block]


def check_module(module: Module, schema: dict[str, Any]) -> Report:
    problems: list[str] = []
    checked: list[Block] = []
    for block in module.resources + module.data:
        if block.type in BUILTIN_TYPES:
            continue
        kind = "resources" if block.kind == "resource" else "data_sources"
        struct = schema[kind].get(block.type)
        if struct is None:
            problems.append(f"{block.where()}: no {block.kind} type {block.type} in the provider")
            continue
        meta_blocks = META_BLOCKS | (
            RESOURCE_ONLY_META_BLOCKS if block.kind == "resource" else set()
        )
        problems += _check_body(
            block.body, struct, schema["structs"], block.where(), META_ARGUMENTS, meta_blocks
        )
        checked.append(block)
    for block in module.providers:
        if block.type != "aws":
            problems.append(f"{block.where()}: provider {block.type} has no schema here")
            continue
        problems += _check_body(
            block.body,
            schema["provider"],
            schema["structs"],
            block.where(),
            PROVIDER_META_ARGUMENTS,
            set(),
        )
    return Report(problems, checked)


def _check_body(
    body: dict[str, Any],
    struct_id: str,
    structs: dict[str, Any],
    where: str,
    meta_arguments: Collection[str] = (),
    meta_blocks: Collection[str] = (),
) -> list[str]:
    struct = structs[struct_id]
    arguments: dict[str, bool] = struct["arguments"]
    nested: dict[str, Any] = struct["blocks"]
    problems: list[str] = []

    for name in attributes(body):
        if name in arguments or name in meta_arguments:
            continue
        if name in nested:
            problems.append(f"{where}: {name} is a block, write `{name} {{ ... }}`")
        else:
            problems.append(f"{where}: unknown argument {name}{_suggest(name, arguments)}")

    present_blocks: set[str] = set()
    for name, child in blocks(body):
        present_blocks.add(name)
        if name in meta_blocks:
            continue
        if name in nested:
            problems += _check_body(child, nested[name]["struct"], structs, f"{where} > {name}")
        elif name in arguments:
            problems.append(f"{where}: {name} is an argument, write `{name} = ...`")
        else:
            problems.append(f"{where}: unknown block {name}{_suggest(name, nested)}")

    for name, spec in dynamic_blocks(body):
        present_blocks.add(name)
        if name not in nested:
            problems.append(
                f"{where}: dynamic block of unknown block {name}{_suggest(name, nested)}"
            )
            continue
        for content_name, content in blocks(spec):
            if content_name == "content":
                problems += _check_body(
                    content, nested[name]["struct"], structs, f"{where} > dynamic {name}"
                )

    present_arguments = set(attributes(body))
    for name, required in sorted(arguments.items()):
        if required and name not in present_arguments:
            problems.append(f"{where}: missing required argument {name}")
    for name, spec in sorted(nested.items()):
        if spec["required"] and name not in present_blocks:
            problems.append(f"{where}: missing required block {name}")
    return problems


def _suggest(name: str, known: dict[str, Any]) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
