"""PublishChanges: one batch of the run's changes (an ItemBatcher batch of the distributed Map
FanOutChanges) as RecordChanged events on the pipeline's bus."""

from __future__ import annotations

from typing import Any

from covid_etl import datasets, events
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.settings import Settings
from covid_etl.steps._common import publish_events

# The input the state machine passes (the handler validates it before the step runs). An item
# holds its key's columns (the date, and the dataset's other key columns).
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
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "dataset": DATASET,
        "items": {"type": "array", "items": ITEM, "minItems": 1},
    },
    required=["run_id", "items"],
)


def publish_changes(
    settings: Settings, run_id: str, items: list[dict[str, Any]], dataset: str | None = None
) -> dict:
    spec = datasets.dataset(dataset)
    bus = settings.event_bus_name
    entries = [events.record_changed(bus, run_id, item, spec) for item in items]
    days = sorted(item["date"] for item in items)
    return {
        "changed": len(items),
        **publish_events(settings, run_id, entries, days[0]),
        "first_date": days[0],
        "last_date": days[-1],
    }
