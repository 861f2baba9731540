"""The pipeline's events on its EventBridge bus: a RecordChanged per loaded record, a RunCompleted
per successful load. Pure: the entries, and their grouping into PutEvents calls.

A PutEvents call takes at most 10 entries and 256 KB; an entry's size is counted as AWS counts it
(Source, DetailType, Detail and Resources as UTF-8, plus 14 bytes for Time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from covid_etl.datasets import Dataset
from covid_etl.records import US, before_fields

SOURCE = "covid-etl"
RECORD_CHANGED = "RecordChanged"
RUN_COMPLETED = "RunCompleted"
MAX_ENTRIES_PER_CALL = 10
MAX_BYTES_PER_CALL = 256 * 1024
TIME_BYTES = 14

Entry = dict[str, Any]


def entry(bus: str, detail_type: str, detail: dict[str, Any]) -> Entry:
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, sort_keys=True),
    }


def entry_size(event: Entry) -> int:
    fields = (event.get(name, "") for name in ("Source", "DetailType", "Detail"))
    resources = event.get("Resources", [])
    return TIME_BYTES + sum(len(text.encode()) for text in (*fields, *resources))


def calls(entries: list[Entry]) -> Iterator[list[Entry]]:
    """The entries in order, grouped into PutEvents calls of <= 10 entries and <= 256 KB."""
    batch: list[Entry] = []
    size = 0
    for event in entries:
        event_size = entry_size(event)
        if event_size > MAX_BYTES_PER_CALL:
            raise ValueError(f"an event of {event_size:,} bytes exceeds PutEvents' 256 KB")
        if batch and (len(batch) == MAX_ENTRIES_PER_CALL or size + event_size > MAX_BYTES_PER_CALL):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += event_size
    if batch:
        yield batch


def changes(loaded_rows: list[dict[str, str]], spec: Dataset = US) -> list[dict[str, Any]]:
    """Loaded delta rows (strings, with their before_* columns) as before -> after changes:
    the key's columns (the date; a county's FIPS too), then the counts before and after (a
    county's name and state are in ``after``: labels, as text)."""
    found = []
    for row in loaded_rows:
        after = spec.record.from_row(row)
        before = (
            {field: int(row[f"before_{field}"]) for field in spec.counts}
            if all(row.get(column) for column in before_fields(spec))
            else None
        )
        labels = {name: row[name] for name in spec.columns if name not in (*spec.key, *spec.counts)}
        found.append(
            {
                **after.key_fields(),
                "change": row["kind"],
                "before": before,
                "after": {**labels, **after.counts()},
            }
        )
    return found


def record_changed(bus: str, run_id: str, change: dict[str, Any], spec: Dataset = US) -> Entry:
    """A change of the run (an item of its changes file) as a RecordChanged entry."""
    # The id is stable across re-sends: a subscriber can drop a duplicate (at-least-once delivery).
    detail = {"id": f"{run_id}/{spec.key_text(change)}", "run_id": run_id, **change}
    return entry(bus, RECORD_CHANGED, detail)
