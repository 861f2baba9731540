"""PublishChanges: one batch of the run's changes (an ItemBatcher batch of the distributed Map
FanOutChanges) as RecordChanged events on the pipeline's bus."""

from __future__ import annotations

from typing import Any

from covid_etl import events
from covid_etl.handler import DAY, RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import publish_events

# The input the state machine passes (the handler validates it before the step runs).
ITEM = {
    "type": "object",
    "properties": {
        "date": DAY,
        "change": {"enum": ["new", "revised"]},
        "before": {"type": ["object", "null"]},
        "after": {"type": "object"},
    },
    "required": ["date", "change", "before", "after"],
}
# An ItemBatcher batch is never empty.
SCHEMA = schema({"run_id": RUN_ID, "items": {"type": "array", "items": ITEM, "minItems": 1}})


def publish_changes(settings: Settings, run_id: str, items: list[dict[str, Any]]) -> dict:
    entries = [events.record_changed(settings.event_bus_name, run_id, item) for item in items]
    days = sorted(item["date"] for item in items)
    return {
        "changed": len(items),
        **publish_events(settings, run_id, entries, days[0]),
        "first_date": days[0],
        "last_date": days[-1],
    }
