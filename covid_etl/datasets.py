"""Datasets are declarations: what a dataset's sources, key, columns and table are, by name.

``us`` is the national series (NYT us.csv joined with JHU's recoveries on the date);
``us-counties`` is NYT's us-counties.csv alone, keyed by date and FIPS code. The validation
(covid_etl.sources.validate) and the diff against the snapshot (covid_etl.merge_diff) read a
dataset's spec; adding a dataset is adding a spec here.
"""

from __future__ import annotations

from dataclasses import dataclass

from covid_etl.sources import JHU, NYT, SPECS, SourceSpec

US = "us"
US_COUNTIES = "us-counties"
DEFAULT = US


@dataclass(frozen=True)
class Dataset:
    name: str
    # source name -> its spec; the first is authoritative, the others are joined to it on the key
    sources: dict[str, SourceSpec]
    # the output columns that identify a row, in sort order (staged files and the snapshot too)
    key: tuple[str, ...]
    # the staged/snapshot columns: the key first, then the rest
    columns: tuple[str, ...]
    # ``etl export``'s CSV columns; rows sorted by the key
    export_columns: tuple[str, ...]
    # the DynamoDB table's name part (<prefix>-<table>) and key attributes (partition, sort)
    table: str
    table_key: tuple[str, ...]


COUNTY_SPEC = SourceSpec(
    name=NYT,
    title="NYT us-counties.csv",
    date_column="date",
    counts={"cases": "cases", "deaths": "deaths"},
    labels={"county": "county", "state": "state", "fips": "fips"},
    key_labels=("fips",),
    blank_key={"fips": ("state", "county")},
)

DATASETS: dict[str, Dataset] = {
    US: Dataset(
        name=US,
        sources={NYT: SPECS[NYT], JHU: SPECS[JHU]},
        key=("date",),
        columns=("date", "cases", "deaths", "recovered"),
        export_columns=("date", "cases", "deaths", "recovered"),
        table="daily",
        table_key=("date",),
    ),
    US_COUNTIES: Dataset(
        name=US_COUNTIES,
        sources={NYT: COUNTY_SPEC},
        key=("date", "fips"),
        columns=("date", "fips", "county", "state", "cases", "deaths"),
        export_columns=("date", "fips", "county", "state", "cases", "deaths"),
        table="counties",
        table_key=("date", "fips"),
    ),
}


class UnknownDataset(Exception):
    def __init__(self, name: str):
        super().__init__(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")


def dataset(name: str | None) -> Dataset:
    """The spec of ``name``; None is the default (``us``), as in an execution input without one."""
    try:
        return DATASETS[name or DEFAULT]
    except KeyError:
        raise UnknownDataset(str(name)) from None
