"""One hop from a state to its code: the function `<name>` that a Task invokes is
lambdas/<name>/handler.py, which calls `<name>` of covid_etl/steps/<name>.py; a Task that alone
invokes its function bears the function's name (ReconcileLoad -> reconcile_load)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from covid_etl import steps
from covid_etl.contract import FUNCTIONS
from etl_tools import diagram

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"


def handler_module(function: str) -> ModuleType:
    path = LAMBDAS / function / "handler.py"
    spec = importlib.util.spec_from_file_location(f"test_step_modules_{function}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_handler_calls_the_step_of_the_module_named_after_its_function(function: str) -> None:
    step = getattr(importlib.import_module(f"{steps.__name__}.{function}"), function)
    called = inspect.getclosurevars(handler_module(function).handler).nonlocals["step"]
    assert called is step


def test_the_steps_package_holds_one_module_per_function_and_the_shared_helpers() -> None:
    modules = {module.name for module in pkgutil.iter_modules(steps.__path__)}
    assert modules == set(FUNCTIONS) | {"_common"}


def tasks_by_function(states: dict[str, Any]) -> dict[str, list[str]]:
    """The states that invoke each Lambda function, Parallel branches included."""
    invoked: dict[str, list[str]] = {}
    for name, state in states.items():
        detail = diagram.state_detail(state)
        if detail.startswith("λ "):
            invoked.setdefault(detail.removeprefix("λ "), []).append(name)
        for branch in state.get("Branches", []):
            for function, names in tasks_by_function(branch["States"]).items():
                invoked.setdefault(function, []).extend(names)
    return invoked


def misnamed_tasks(definition_text: str) -> list[str]:
    """Tasks that alone invoke their function under another name than the function's."""
    machine = diagram.load_definition(definition_text)
    return [
        f"{names[0]} invokes {function}"
        for function, names in tasks_by_function(machine["States"]).items()
        if len(names) == 1 and names[0] != function.title().replace("_", "")
    ]


def test_a_task_that_alone_invokes_its_function_is_named_after_it() -> None:
    assert misnamed_tasks(diagram.DEFINITION.read_text()) == []


def test_a_task_under_another_name_than_its_function_is_named() -> None:
    text = diagram.DEFINITION.read_text().replace('"PlanLoad"', '"Plan"')
    assert misnamed_tasks(text) == ["Plan invokes plan_load"]
