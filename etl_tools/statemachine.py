"""Fill the ``${placeholders}`` of statemachine.asl.json, the way Terraform's templatefile() does.

Terraform passes the same names (infra/modules/workflow); tests/infra checks it binds every one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from covid_etl.contract import STATE_FUNCTIONS
from etl_tools.naming import Names

DEFINITION_PATH = Path(__file__).resolve().parent.parent / "statemachine.asl.json"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(definition: str) -> set[str]:
    return set(_PLACEHOLDER.findall(definition))


@dataclass(frozen=True)
class LockWait:
    """StartRun's Retry on RunInProgress: a run that finds the lock held waits for it (backoff
    x2, full jitter), bounded, and only then fails, recorded and emailed."""

    interval_seconds: int
    max_attempts: int
    max_delay_seconds: int

    def values(self) -> dict[str, str]:
        return {
            "lock_wait_interval_seconds": str(self.interval_seconds),
            "lock_wait_max_attempts": str(self.max_attempts),
            "lock_wait_max_delay_seconds": str(self.max_delay_seconds),
        }


# On AWS (infra/modules/workflow's defaults): 60 s doubling to 15 min, 6 retries, up to 45 min,
# time for the daily run to finish (minutes) and inside the lock's 1-hour lease.
AWS_LOCK_WAIT = LockWait(interval_seconds=60, max_attempts=6, max_delay_seconds=900)
# Locally: the same retrier, short (at most 1 + 2 + 2 s), so a held lock does not slow tests.
LOCAL_LOCK_WAIT = LockWait(interval_seconds=1, max_attempts=3, max_delay_seconds=2)


def template_values(names: Names, lock_wait: LockWait = LOCAL_LOCK_WAIT) -> dict[str, str]:
    values = {f"{fn}_arn": names.function_arn(fn) for fn in STATE_FUNCTIONS}
    values["load_job_name"] = names.load_job
    values["rebuild_job_queue"] = names.rebuild_job_queue_arn
    values["rebuild_job_definition"] = names.rebuild_job_definition_arn
    values["data_bucket"] = names.data_bucket
    return values | lock_wait.values()


def render(definition: str, values: dict[str, str]) -> str:
    unbound = placeholders(definition) - values.keys()
    if unbound:
        raise KeyError(f"unbound placeholders: {', '.join(sorted(unbound))}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], definition)


@cache
def result_paths(definition_path: Path = DEFINITION_PATH) -> dict[str, str]:
    """Where each state puts its result in the execution's payload, by state name, branches
    included: the definition's own ResultPath ("$" for a state whose result replaces it)."""
    # Placeholders stand where a number or a name goes; neither is read here.
    definition = json.loads(_PLACEHOLDER.sub("0", definition_path.read_text()))
    paths = {}
    pending = [definition["States"]]
    while pending:
        for name, state in pending.pop().items():
            if "ResultPath" in state and state["ResultPath"] is not None:
                paths[name] = state["ResultPath"]
            pending.extend(branch["States"] for branch in state.get("Branches", []))
    return paths
