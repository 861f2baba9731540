"""docs/architecture.svg is the picture etl_tools.diagram draws from the state machine today."""

from __future__ import annotations

import re

from etl_tools import diagram

REGENERATE = "run `python -m etl_tools.diagram` and commit docs/architecture.svg"


def all_states(machine: dict) -> list[str]:
    names = []
    for name, state in machine["States"].items():
        names.append(name)
        for branch in state.get("Branches", []) + [state.get("ItemProcessor", {"States": {}})]:
            names += all_states(branch)
    return names


def test_the_committed_diagram_is_the_one_the_definition_draws() -> None:
    assert diagram.OUTPUT.read_text() == diagram.current(), REGENERATE


def test_every_state_and_every_function_is_in_the_diagram() -> None:
    svg = diagram.OUTPUT.read_text()
    shown = set(re.findall(r">λ? ?([A-Za-z_]+)</text>", svg))
    states = all_states(diagram.load_definition(diagram.DEFINITION.read_text()))
    assert set(states) <= shown
    assert set(diagram.lambda_functions()) <= shown
    assert len(states) > 20 and len(diagram.lambda_functions()) > 10


def test_a_new_state_changes_the_picture() -> None:
    # The template is not JSON until its placeholders are filled: edit it as text.
    text = diagram.DEFINITION.read_text()
    text = text.replace('"Next": "TransformSources"', '"Next": "Audit"', 1)
    text = text.replace(
        '"States": {', '"States": {"Audit": {"Type": "Pass", "Next": "TransformSources"},', 1
    )
    svg = diagram.render(text, diagram.lambda_functions())
    assert ">Audit</text>" in svg and svg != diagram.current()


def test_a_function_no_state_invokes_is_listed_apart() -> None:
    text = diagram.DEFINITION.read_text()
    assert diagram.functions_outside(text, ["start_run", "start_from_upload"]) == [
        "start_from_upload"
    ]


def test_placeholders_are_read_as_names_and_numbers() -> None:
    template = '{"a": "${start_run_arn}", "b": ${lock_wait_max_attempts}}'
    assert diagram.load_definition(template) == {"a": "placeholder:start_run_arn", "b": 0}
