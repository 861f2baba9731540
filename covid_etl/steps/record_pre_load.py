"""RecordPreLoad: the counts so far into the run record."""

from __future__ import annotations

from covid_etl import aws
from covid_etl.handler import RUN_ID, schema
from covid_etl.settings import Settings

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        # Every source's branch result; one the run's dataset does not declare says so.
        "sources": {"type": "object", "required": ["nyt", "jhu"]},
        "transform": {"type": "object", "required": ["joined", "matched", "dropped_by_join"]},
        "retries": {"type": "object", "required": ["received"]},
        "plan": {"type": "object", "required": ["new", "revised", "unchanged", "retried", "delta"]},
    }
)


def record_pre_load(
    settings: Settings, run_id: str, sources: dict, transform: dict, retries: dict, plan: dict
) -> dict:
    sources = {name: s for name, s in sources.items() if s.get("in_dataset", True)}
    counts = {
        "extracted": sum(s["extracted"] for s in sources.values()),
        "rejected": sum(s["rejected"] for s in sources.values()),
        "out_of_scope": sum(s["out_of_scope"] for s in sources.values()),
        "dropped_by_join": transform["dropped_by_join"],
        "matched": transform["matched"],
        "joined": transform["joined"],
        "outside_window": transform["outside_window"],
        "retried": plan["retried"],
        "retries_received": retries["received"],
        "superseded": plan["superseded"],
        "new": plan["new"],
        "revised": plan["revised"],
        "unchanged": plan["unchanged"],
        "delta": plan["delta"],
    }
    aws.update_run(settings.runs_table, run_id, {"sources": sources, "counts": counts})
    return {}
