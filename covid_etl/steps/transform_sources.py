"""TransformSources: inner join of the validated sources on date -> staged/<run>/daily.csv."""

from __future__ import annotations

from datetime import date

from covid_etl import aws, keys
from covid_etl.handler import DAY, RUN_ID, schema
from covid_etl.records import in_window, join_sources, read_csv, to_csv
from covid_etl.settings import Settings
from covid_etl.sources import JHU, NYT, SourceRow

# The input the state machine passes (the handler validates it before the step runs).
SCHEMA = schema(
    {
        "run_id": RUN_ID,
        "window": {
            "type": "object",
            "properties": {"from": DAY, "to": DAY},
            "additionalProperties": False,
        },
    }
)


def _valid_rows(settings: Settings, run_id: str, source: str) -> list[SourceRow]:
    data = aws.get_object(settings.data_bucket, keys.valid(run_id, source))
    assert data is not None, f"validated file of {source} missing"
    return [
        SourceRow(
            date.fromisoformat(row["date"]), {k: int(v) for k, v in row.items() if k != "date"}
        )
        for row in read_csv(data)
    ]


def transform_sources(settings: Settings, run_id: str, window: dict[str, str]) -> dict:
    """Inner join on date -> staged/<run>/daily.csv; a backfill keeps its window only."""
    joined = join_sources(_valid_rows(settings, run_id, NYT), _valid_rows(settings, run_id, JHU))
    start, end = (date.fromisoformat(window[k]) if k in window else None for k in ("from", "to"))
    records = in_window(joined.records, start, end)
    aws.put_object(settings.data_bucket, keys.daily(run_id), to_csv(records))
    return {
        "joined": len(records),
        "matched": 2 * len(joined.records),
        "outside_window": len(joined.records) - len(records),
        "dropped_by_join": joined.nyt_only + joined.jhu_only,
        "nyt_only": joined.nyt_only,
        "jhu_only": joined.jhu_only,
    }
