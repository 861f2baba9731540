"""docs/architecture.svg, drawn from statemachine.asl.json and the lambdas/ folders.

    python -m etl_tools.diagram        write docs/architecture.svg

Pure Python writing SVG (no graphviz to install), laid out the same way every time, so
tests/docs/test_architecture.py can regenerate it and fail when the committed picture drifts.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
DEFINITION = REPO / "statemachine.asl.json"
LAMBDAS = REPO / "lambdas"
OUTPUT = REPO / "docs" / "architecture.svg"

# Terraform's templatefile() placeholders: a quoted one (a function ARN) keeps its name, a bare
# one (a number of the lock wait) becomes 0, so the template parses as JSON.
_QUOTED_PLACEHOLDER = re.compile(r'"\$\{(\w+)\}"')
_BARE_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_FUNCTION_ARN = re.compile(r"^placeholder:(\w+)_arn$")
_SERVICE_PREFIX = "arn:aws:states:::"

BOX_W, BOX_H, ROW = 250, 40, 58
COLUMN_X = (250, 660)  # the run's path, then what a failure runs
TOP = 70
LANE_GAP = 10
_OPERATORS = {
    "StringEquals": "=",
    "NumericEquals": "=",
    "NumericGreaterThan": ">",
    "NumericLessThan": "<",
    "BooleanEquals": "=",
}


@dataclass
class Box:
    name: str
    detail: str
    x: int
    y: int
    height: int = BOX_H
    column: int = 0
    width: int = BOX_W

    @property
    def left(self) -> tuple[int, int]:
        return self.x, self.y + self.height // 2

    @property
    def right(self) -> tuple[int, int]:
        return self.x + self.width, self.y + self.height // 2


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""
    catch: bool = False


@dataclass
class Layout:
    boxes: dict[str, Box] = field(default_factory=dict)
    # Each column's states top to bottom (a Parallel branch, a Map's processor: a column each).
    columns: list[list[str]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    parallels: list[str] = field(default_factory=list)


def load_definition(text: str) -> dict[str, Any]:
    text = _QUOTED_PLACEHOLDER.sub(lambda m: f'"placeholder:{m.group(1)}"', text)
    return json.loads(_BARE_PLACEHOLDER.sub("0", text))


def task_detail(state: dict[str, Any]) -> str:
    """What a Task runs: its Lambda function (lambdas/<name>/) or its service integration."""
    resource = state.get("Resource", "")
    # The optimized integration (lambda:invoke.waitForTaskToken) names it in its Parameters.
    invoked = state.get("Parameters", {}).get("FunctionName", "")
    function = _FUNCTION_ARN.match(resource) or _FUNCTION_ARN.match(invoked)
    if function:
        return f"λ {function.group(1)}"
    return resource.removeprefix(_SERVICE_PREFIX)


def state_detail(state: dict[str, Any]) -> str:
    return task_detail(state) if state["Type"] == "Task" else state["Type"]


def condition(rule: dict[str, Any]) -> str:
    """A Choice rule in a few words: `delta > 0`, `state in STARTING|RUNNING`."""
    for combinator in ("Or", "And"):
        if combinator in rule:
            parts = [condition(r) for r in rule[combinator]]
            subjects = {p.split(" = ")[0] for p in parts}
            if combinator == "Or" and len(subjects) == 1 and all(" = " in p for p in parts):
                return f"{subjects.pop()} in " + "|".join(p.split(" = ")[1] for p in parts)
            return f" {combinator.lower()} ".join(parts)
    if "Not" in rule:
        return f"not {condition(rule['Not'])}"
    subject = rule.get("Variable", "").rsplit(".", 1)[-1]
    for key, value in rule.items():
        if key in _OPERATORS:
            return f"{subject} {_OPERATORS[key]} {value}"
    return rule.get("Condition", "?")


def transitions(name: str, state: dict[str, Any]) -> list[Edge]:
    edges = [Edge(name, state["Next"])] if "Next" in state else []
    edges += [Edge(name, rule["Next"], condition(rule)) for rule in state.get("Choices", [])]
    if "Default" in state:
        edges.append(Edge(name, state["Default"], "else"))
    edges += [Edge(name, c["Next"], "Catch", catch=True) for c in state.get("Catch", [])]
    return edges


def on_the_run_path(states: dict[str, Any], start: str) -> set[str]:
    """States a run reaches without an error (Next and Choice, not Catch), Fail states aside."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or states[name]["Type"] == "Fail":
            continue
        seen.add(name)
        todo += [e.target for e in transitions(name, states[name]) if not e.catch]
    return seen


def lay_out(definition: dict[str, Any]) -> Layout:
    states = definition["States"]
    run_path = on_the_run_path(states, definition["StartAt"])
    layout = Layout()
    for column, names in enumerate(
        ([n for n in states if n in run_path], [n for n in states if n not in run_path])
    ):
        x, y = COLUMN_X[column], TOP + (ROW if column else 0)
        layout.columns.append(names)
        for name in names:
            state = states[name]
            layout.edges += transitions(name, state)
            if state["Type"] in ("Parallel", "Map"):
                y = _lay_out_parallel(layout, name, state, x, y, column)
            else:
                layout.boxes[name] = Box(name, state_detail(state), x, y, column=column)
                y += ROW
    return layout


def _lay_out_parallel(
    layout: Layout, name: str, state: dict[str, Any], x: int, y: int, column: int
) -> int:
    # A Map's item processor is drawn as a Parallel's single branch.
    branches = state.get("Branches") or [state["ItemProcessor"]]
    width = (BOX_W - 10 * (len(branches) + 1)) // len(branches)
    rows = max(len(b["States"]) for b in branches)
    height = 26 + rows * ROW
    layout.boxes[name] = Box(name, state["Type"], x, y, height, column)
    layout.parallels.append(name)
    for index, branch in enumerate(branches):
        branch_x, branch_y = x + 10 + index * (width + 10), y + 26
        layout.columns.append(list(branch["States"]))
        for inner, inner_state in branch["States"].items():
            layout.boxes[inner] = Box(
                inner, state_detail(inner_state), branch_x, branch_y, column=column, width=width
            )
            layout.edges += transitions(inner, inner_state)
            branch_y += ROW
    return y + height + ROW - BOX_H


def _adjacent(layout: Layout, edge: Edge) -> bool:
    return any(
        edge.source in col and col.index(edge.source) + 1 < len(col)
        and col[col.index(edge.source) + 1] == edge.target
        for col in layout.columns
    )  # fmt: skip


def _path(points: list[tuple[int, int]], css: str) -> str:
    d = " ".join(f"{x},{y}" for x, y in points)
    return f'<polyline class="{css}" points="{d}" marker-end="url(#arrow)"/>'


def _text(x: int, y: int, content: str, css: str, anchor: str = "start") -> str:
    return f'<text class="{css}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(content)}</text>'


def draw_edges(layout: Layout) -> list[str]:
    out: list[str] = []
    right_lanes: dict[tuple[int, str], int] = {}  # a Catch target's lane is shared: a bus
    left_lanes = 0
    for edge in layout.edges:
        source, target = layout.boxes[edge.source], layout.boxes[edge.target]
        css = "catch" if edge.catch else "next"
        if not edge.catch and _adjacent(layout, edge):
            x = source.x + source.width // 2
            out.append(_path([(x, source.y + source.height), (x, target.y)], css))
            if edge.label:
                out.append(_text(x + 6, source.y + source.height + 12, edge.label, "label"))
            continue
        if edge.catch or target.column > source.column:
            key = (source.column, edge.target)
            lane = right_lanes.setdefault(key, len(right_lanes))
            lane_x = COLUMN_X[source.column] + BOX_W + 16 + lane * LANE_GAP
            end = target.left if target.column > source.column else target.right
            start = source.right
        else:
            left_lanes += 1
            lane_x = COLUMN_X[source.column] - 8 - left_lanes * LANE_GAP
            start, end = source.left, target.left
        out.append(_path([start, (lane_x, start[1]), (lane_x, end[1]), end], css))
        if edge.label and not edge.catch:
            rightward = lane_x > start[0]
            label_x = start[0] + 4 if rightward else start[0] - 4
            out.append(
                _text(label_x, start[1] - 4, edge.label, "label", "start" if rightward else "end")
            )
    return out


def draw_boxes(layout: Layout) -> list[str]:
    out: list[str] = []
    for box in layout.boxes.values():
        parallel = box.name in layout.parallels
        css = "parallel" if parallel else ("task" if box.detail.startswith("λ") else "state")
        out.append(
            f'<rect class="{css}" x="{box.x}" y="{box.y}" width="{box.width}" '
            f'height="{box.height}" rx="6"/>'
        )
        out.append(_text(box.x + 8, box.y + 16, box.name, "name"))
        if not parallel:
            out.append(_text(box.x + 8, box.y + 32, box.detail, "detail"))
        else:
            out.append(_text(box.x + BOX_W - 8, box.y + 16, box.detail, "detail", "end"))
    return out


def functions_outside(definition_text: str, lambdas: list[str]) -> list[str]:
    """The lambdas/ functions no state invokes (e.g. the upload trigger's consumer)."""
    return [name for name in lambdas if f"${{{name}_arn}}" not in definition_text]


def render(definition_text: str, lambdas: list[str]) -> str:
    layout = lay_out(load_definition(definition_text))
    bottom = max(b.y + b.height for b in layout.boxes.values())
    outside = functions_outside(definition_text, lambdas)
    notes_y = bottom + 40
    width = COLUMN_X[1] + BOX_W + 80
    height = notes_y + 40 + 18 * len(outside)
    body = [
        _text(20, 30, "covid-etl: the state machine (statemachine.asl.json) and its functions",
              "title"),
        _text(20, 50, "solid: Next / Choice; dashed: Catch (every error ends in FailRun); "
              "λ name: lambdas/<name>/handler.py calls covid_etl/steps/<name>.py", "detail"),
        *draw_edges(layout),
        *draw_boxes(layout),
        _text(20, notes_y, "Lambda functions outside the state machine:", "name"),
        *(_text(36, notes_y + 18 * (i + 1), f"λ {name}", "detail") for i, name in enumerate(outside)),
    ]  # fmt: skip
    style = (
        "text{font-family:sans-serif}.title{font-size:15px;font-weight:bold}"
        ".name{font-size:12px;font-weight:bold}.detail,.label{font-size:10px;fill:#444}"
        ".task{fill:#fff6e0;stroke:#c98a00}.state{fill:#eef3fb;stroke:#4a6fa5}"
        ".parallel{fill:none;stroke:#4a6fa5;stroke-dasharray:2 2}"
        ".next{fill:none;stroke:#333}.catch{fill:none;stroke:#b22;stroke-dasharray:4 3}"
    )
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    )
    arrow = (
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>'
    )
    background = '<rect width="100%" height="100%" fill="#fff"/>'
    return "\n".join([header, f"<style>{style}</style>", arrow, background, *body, "</svg>", ""])


def lambda_functions() -> list[str]:
    return sorted(p.name for p in LAMBDAS.iterdir() if (p / "handler.py").is_file())


def current() -> str:
    return render(DEFINITION.read_text(), lambda_functions())


def main() -> int:
    OUTPUT.write_text(current())
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
