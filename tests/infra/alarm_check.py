"""Would each CloudWatch alarm fire on the failure it names? Read from the Terraform blocks.

A metric-math sum of series that have no datapoint in the period is empty, and an empty result
is missing data: with ``treat_missing_data`` other than ``breaching`` the alarm never fires on
a failure that leaves the other series empty (one failed run, no timed-out one). Each series an
expression combines must be wrapped in ``FILL(id, <value>)``.
"""

from __future__ import annotations

import re
from typing import Any

from .tfconfig import Block

_FILLED = re.compile(r"FILL\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")
_IDENTIFIER = re.compile(r"\b([a-z][A-Za-z0-9_]*)\b")


def series_ids(alarm: Block) -> set[str]:
    """Ids of the metric queries that read a metric (static blocks and dynamic for_each keys)."""
    ids = {q["id"] for q in alarm.body.get("metric_query", []) if "metric" in q}
    for dynamic in alarm.body.get("dynamic", []):
        query = dynamic.get("metric_query")
        if query and isinstance(query.get("for_each"), dict):
            ids |= set(query["for_each"])
    return ids


def expressions(alarm: Block) -> list[str]:
    return [q["expression"] for q in alarm.body.get("metric_query", []) if "expression" in q]


def unfilled_series(alarm: Block) -> list[str]:
    """Series an expression uses without FILL, where missing data would not breach."""
    if alarm.body.get("treat_missing_data") == "breaching":
        return []
    ids = series_ids(alarm)
    problems = []
    for expression in expressions(alarm):
        used = {name for name in _IDENTIFIER.findall(expression) if name in ids}
        filled = set(_FILLED.findall(expression))
        problems += [
            f"{alarm.where()}: series {name!r} in {expression!r} is not wrapped in FILL({name}, 0)"
            for name in sorted(used - filled)
        ]
    return problems


def alarms(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.type == "aws_cloudwatch_metric_alarm"]


def problems_in(modules: dict[str, Any]) -> list[str]:
    return [p for m in modules.values() for a in alarms(m.resources) for p in unfilled_series(a)]
