"""Fill the ``${placeholders}`` of statemachine.asl.json, the way Terraform's templatefile() does.

Terraform passes the same names (infra/modules/workflow); tests/infra checks it binds every one.
"""

from __future__ import annotations

import re
from pathlib import Path

from covid_etl.naming import STATE_FUNCTIONS, Names

DEFINITION_PATH = Path(__file__).resolve().parent.parent / "statemachine.asl.json"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(definition: str) -> set[str]:
    return set(_PLACEHOLDER.findall(definition))


def template_values(names: Names) -> dict[str, str]:
    values = {f"{fn}_arn": names.function_arn(fn) for fn in STATE_FUNCTIONS}
    values["load_job_name"] = names.load_job
    return values


def render(definition: str, values: dict[str, str]) -> str:
    unbound = placeholders(definition) - values.keys()
    if unbound:
        raise KeyError(f"unbound placeholders: {', '.join(sorted(unbound))}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], definition)
