"""One hop from a state to its code, its tests and its grant: the function `<name>` that a Task
invokes is lambdas/<name>/handler.py, which calls `<name>` of covid_etl/steps/<name>.py (its input
SCHEMA beside it), tested in tests/unit/steps/test_<name>.py and granted by its entry in
covid_etl/contract.json; a Task that alone invokes its function bears the function's name
(ReconcileLoad -> reconcile_load)."""

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
from covid_etl.contract import FUNCTION_GRANTS, FUNCTIONS
from etl_tools import diagram

REPO = Path(__file__).resolve().parents[2]
LAMBDAS = REPO / "lambdas"


def handler_module(function: str) -> ModuleType:
    path = LAMBDAS / function / "handler.py"
    spec = importlib.util.spec_from_file_location(f"test_step_modules_{function}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_handler_calls_the_step_of_the_module_named_after_its_function(function: str) -> None:
    step = getattr(step_module(function), function)
    called = inspect.getclosurevars(handler_module(function).handler).nonlocals["step"]
    assert called is step
    assert handler_module(function).SCHEMA is step_module(function).SCHEMA


def step_module(function: str) -> ModuleType:
    return importlib.import_module(f"{steps.__name__}.{function}")


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


def one_hop_problems(definition_text: str, repo: Path, grants: dict[str, Any]) -> list[str]:
    """What is missing between a Task state and its function's module, handler, tests, grant."""
    machine = diagram.load_definition(definition_text)
    problems = []
    for function, states in sorted(tasks_by_function(machine["States"]).items()):
        for path in (
            f"covid_etl/steps/{function}.py",
            f"lambdas/{function}/handler.py",
            f"tests/unit/steps/test_{function}.py",
        ):
            if not (repo / path).is_file():
                problems.append(f"{states[0]} invokes {function}: no {path}")
        if function not in grants:
            problems.append(f"{states[0]} invokes {function}: no grant in covid_etl/contract.json")
    return problems


def test_every_task_reaches_its_module_handler_tests_and_grant_in_one_hop() -> None:
    assert one_hop_problems(diagram.DEFINITION.read_text(), REPO, FUNCTION_GRANTS) == []


def test_a_task_without_tests_or_grant_is_named(tmp_path: Path) -> None:
    for path in ("covid_etl/steps/plan_load.py", "lambdas/plan_load/handler.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    problems = one_hop_problems(diagram.DEFINITION.read_text(), tmp_path, {})
    assert "PlanLoad invokes plan_load: no tests/unit/steps/test_plan_load.py" in problems
    assert "PlanLoad invokes plan_load: no grant in covid_etl/contract.json" in problems
    assert not any("plan_load: no covid_etl/steps" in problem for problem in problems)
