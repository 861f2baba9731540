"""What `terraform validate` would say about references, offline: every var., local., module.,
data. and resource reference names something declared, and every module call passes exactly
the module's variables (all the required ones, no unknown ones)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .tfconfig import Module, load_module

MODULE_META_ARGUMENTS = {"source", "version", "count", "for_each", "depends_on", "providers"}

_EXPRESSION = re.compile(r"\$\{")
_VAR = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
_MODULE = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?")
_DATA = re.compile(r"(?<![\w.])data\.([a-z][\w]*)\.([A-Za-z_][\w-]*)")
_RESOURCE = re.compile(r"(?<![\w.\"])((?:aws|terraform)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def check_module(module: Module) -> list[str]:
    problems: list[str] = []
    resources = {(block.type, block.name) for block in module.resources}
    data = {(block.type, block.name) for block in module.data}
    called = {name: _called_module(module, body) for name, body in module.modules.items()}

    for where, expression in _expressions(module):
        for name in _VAR.findall(expression):
            if name not in module.variables:
                problems.append(f"{where}: var.{name} is not declared")
        for name in _LOCAL.findall(expression):
            if name not in module.locals:
                problems.append(f"{where}: local.{name} is not declared")
        for name, output in _MODULE.findall(expression):
            if name not in called:
                problems.append(f"{where}: module.{name} is not called")
            elif output and called[name] and output not in called[name].outputs:
                problems.append(f"{where}: module.{name} has no output {output}")
        for type_, name in _DATA.findall(expression):
            if (type_, name) not in data:
                problems.append(f"{where}: data.{type_}.{name} is not declared")
        for type_, name in _RESOURCE.findall(_without_data(expression)):
            if (type_, name) not in resources:
                problems.append(f"{where}: {type_}.{name} is not declared")

    for name, body in module.modules.items():
        target = called[name]
        if target is None:
            continue
        given = {key for key in body if not key.startswith("__")} - MODULE_META_ARGUMENTS
        for key in sorted(given - set(target.variables)):
            problems.append(
                f"{module.path}: module.{name} passes {key}, not a variable of {body['source']}"
            )
        required = {key for key, spec in target.variables.items() if "default" not in spec}
        for key in sorted(required - given):
            problems.append(f"{module.path}: module.{name} does not pass required variable {key}")
    return problems


def _called_module(module: Module, body: dict[str, Any]) -> Module | None:
    source = body.get("source", "")
    if not source.startswith("."):
        return None
    return load_module((module.path / source).resolve())


def _without_data(expression: str) -> str:
    return _DATA.sub("", expression)


def _expressions(module: Module) -> Iterator[tuple[str, str]]:
    for block in module.resources + module.data + module.providers:
        for expression in _strings_in(block.body):
            yield block.where(), expression
    for kind, named in (
        ("module", module.modules),
        ("output", module.outputs),
        ("variable", module.variables),
        ("check", module.checks),
    ):
        for name, body in named.items():
            for expression in _strings_in(body):
                yield f"{module.path.name}: {kind}.{name}", expression
    for name, value in module.locals.items():
        for expression in _strings_in(value):
            yield f"{module.path.name}: local.{name}", expression


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if _EXPRESSION.search(value):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)
