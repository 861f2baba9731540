"""TransformSources: inner join of the dataset's validated sources on its key ->
staged/<run>/daily.csv (the dataset's columns; one source: its rows as they are)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date

from covid_etl import aws, datasets, keys
from covid_etl.datasets import Dataset
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.merge_diff import rows_of
from covid_etl.records import in_window, join, to_csv
from covid_etl.settings import Settings
from covid_etl.sources import SourceRow, SourceSpec
from covid_etl.steps._common import open_text, uploaded

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "dataset": DATASET,
        "window": {
            "type": "object",
            "properties": {"from": DAY, "to": DAY},
            "additionalProperties": False,
        },
    },
    required=["run_id", "window"],
)


def _valid_rows(settings: Settings, run_id: str, spec: SourceSpec) -> Iterator[SourceRow]:
    """The validated rows of a source, read as the object streams (sorted by key: validate
    and validate_stream stage them so)."""
    text = open_text(settings, keys.valid(run_id, spec.name))
    assert text is not None, f"validated file of {spec.name} missing"
    for row in csv.DictReader(text):
        yield SourceRow(
            date.fromisoformat(row["date"]),
            {name: int(row[name]) for name in spec.counts},
            {name: row[name] for name in spec.labels},
        )


def transform_sources(
    settings: Settings, run_id: str, window: dict[str, str], dataset: str | None = None
) -> dict:
    """Inner join on the key -> staged/<run>/daily.csv; a backfill keeps its window only."""
    spec = datasets.dataset(dataset)
    if len(spec.sources) == 1:
        return _stage_one_source(settings, run_id, window, spec)
    joined = join(
        spec, {n: list(_valid_rows(settings, run_id, s)) for n, s in spec.sources.items()}
    )
    start, end = (date.fromisoformat(window[k]) if k in window else None for k in ("from", "to"))
    records = in_window(joined.records, start, end)
    aws.put_object(settings.data_bucket, keys.daily(run_id), to_csv(records, spec=spec))
    return {
        "joined": len(records),
        "matched": len(spec.sources) * len(joined.records),
        "outside_window": len(joined.records) - len(records),
        "dropped_by_join": sum(joined.dropped.values()),
        **{f"{source}_only": dropped for source, dropped in joined.dropped.items()},
    }


def _stage_one_source(
    settings: Settings, run_id: str, window: dict[str, str], spec: Dataset
) -> dict:
    """A dataset of one source has nothing to join: its rows, already sorted by key, are
    staged as they stream (a county-size file is never whole in memory)."""
    (source,) = spec.sources.values()
    start, end = window.get("from", ""), window.get("to", "9999-12-31")  # ISO dates compare
    read = kept = 0
    with uploaded(settings, keys.daily(run_id)) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(spec.columns)
        for row in rows_of(spec, _valid_rows(settings, run_id, source)):
            read += 1
            if start <= row[0] <= end:
                kept += 1
                writer.writerow(row)
    return {
        "joined": kept,
        "matched": read,
        "outside_window": read - kept,
        "dropped_by_join": 0,
        f"{source.name}_only": 0,
    }
