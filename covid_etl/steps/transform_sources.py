"""TransformSources: inner join of the dataset's validated sources on its key ->
staged/<run>/daily.csv (the dataset's columns; one source: its rows as they are)."""

from __future__ import annotations

from datetime import date

from covid_etl import aws, datasets, keys
from covid_etl.handler import DATASET, DAY, RUN_ID, schema
from covid_etl.records import in_window, join, read_csv, to_csv
from covid_etl.settings import Settings
from covid_etl.sources import SourceRow, SourceSpec

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


def _valid_rows(settings: Settings, run_id: str, spec: SourceSpec) -> list[SourceRow]:
    data = aws.get_object(settings.data_bucket, keys.valid(run_id, spec.name))
    assert data is not None, f"validated file of {spec.name} missing"
    return [
        SourceRow(
            date.fromisoformat(row["date"]),
            {name: int(row[name]) for name in spec.counts},
            {name: row[name] for name in spec.labels},
        )
        for row in read_csv(data)
    ]


def transform_sources(
    settings: Settings, run_id: str, window: dict[str, str], dataset: str | None = None
) -> dict:
    """Inner join on the key -> staged/<run>/daily.csv; a backfill keeps its window only."""
    spec = datasets.dataset(dataset)
    joined = join(spec, {n: _valid_rows(settings, run_id, s) for n, s in spec.sources.items()})
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
