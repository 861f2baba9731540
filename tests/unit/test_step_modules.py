"""One hop from a state to its code: the function `<name>` that a Task invokes is
lambdas/<name>/handler.py, which calls `<name>` of covid_etl/steps/<name>.py."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

from covid_etl import steps
from etl_tools.naming import FUNCTIONS

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
