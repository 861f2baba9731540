"""Datasets are declarations: what a dataset's sources, key, columns and table are, by name.

``us`` is the national series (NYT us.csv joined with JHU's recoveries on the date);
``us-counties`` is NYT's us-counties.csv alone, keyed by date and FIPS code. The validation
(covid_etl.sources.validate) and the diff against the snapshot (covid_etl.merge_diff) read a
dataset's spec; adding a dataset is adding a spec here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, make_dataclass
from datetime import date
from operator import attrgetter
from typing import Any, ClassVar

from covid_etl.contract import DATASET_TABLE_KEYS
from covid_etl.sources import JHU, NYT, SPECS, SourceSpec

US = "us"
US_COUNTIES = "us-counties"
DEFAULT = US
# S3's CopyObject copies at most 5 GB in one request (larger takes UploadPartCopy): ExtractSource
# copies an uploaded or unchanged source server-side, so no dataset takes a larger file.
COPY_OBJECT_MAX_BYTES = 5 * 1024**3


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
    # the DynamoDB table's name part (<prefix>-<table>) and key attributes (partition, sort),
    # as the contract's dataset_tables declares them for Terraform
    table: str
    table_key: tuple[str, ...]
    # the upstream URLs of its sources (Settings' NYT_URL/JHU_URL override the default dataset's)
    urls: dict[str, str]
    # its sources are published sorted by date (NYT's us-counties.csv): the steps stream them a
    # date at a time (sources.validate_stream), so memory holds a date's rows, not the file's;
    # a file out of date order is then unusable. False: read whole, in any order.
    sorted_by_date: bool = False
    # the largest source file taken (ExtractSource streams it to S3, whatever its size): the
    # national series' steps hold a file whole (about 26 times its size, make bench), so 10 MB
    # is its bound; a dataset sorted by date streams through every step, a date at a time.
    max_source_bytes: int = 10 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.columns[: len(self.key)] != self.key or self.table_key != self.key:
            raise ValueError(f"dataset {self.name}: its columns and table must start with its key")
        if self.max_source_bytes > COPY_OBJECT_MAX_BYTES:
            raise ValueError(
                f"dataset {self.name}: max_source_bytes {self.max_source_bytes:,} is over the "
                f"{COPY_OBJECT_MAX_BYTES:,} bytes S3's CopyObject copies (an upload is copied)"
            )

    @property
    def counts(self) -> tuple[str, ...]:
        """The columns that hold counts (integers); the others after the key are labels."""
        counted = {name for spec in self.sources.values() for name in spec.counts}
        return tuple(name for name in self.columns if name in counted)

    def key_text(self, row: Mapping[str, str]) -> str:
        """A row's key as one string: the date, then each other key column, joined with "/"
        (a county without FIPS has "/" in its stand-in: the text is for reading and ids)."""
        return "/".join(row[name] for name in self.key)

    @property
    def record(self) -> type[Record]:
        """The dataset's record class (generated once from its columns)."""
        return _record_class(self)


class Record:
    """One loaded row of a dataset: a frozen dataclass with a field per column (the date as a
    date, counts as int, labels as text), ordered by its key first. ``Dataset.record`` is one
    per dataset; the national series' is covid_etl.records.DailyRecord."""

    dataset: ClassVar[Dataset]
    # (column, text -> value) in column order, made with the class: rows are read by the million
    _parsers: ClassVar[tuple[tuple[str, Callable[[Any], Any]], ...]]
    # the key's values as a tuple: set once when the record is made (the merge's sort key,
    # read several times per row), not a dataclass field (not compared, not in asdict)
    key: tuple[Any, ...]

    @property
    def key_text(self) -> str:
        return self.dataset.key_text(self.as_row())

    def key_fields(self) -> dict[str, str]:
        row = self.as_row()
        return {name: row[name] for name in self.dataset.key}

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.dataset.counts}

    def as_row(self) -> dict[str, str]:
        return {
            name: value.isoformat() if name == "date" else str(value)
            for name, value in zip(self.dataset.columns, astuple_of(self), strict=True)
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Any:
        """From a CSV row (strings) or a DynamoDB item (numbers as Decimal), extra fields ignored."""
        return cls(*[parse(row[name]) for name, parse in cls._parsers])


def astuple_of(record: Record) -> tuple[Any, ...]:
    """The record's values in column order (dataclasses.astuple copies each value: slower)."""
    return tuple(getattr(record, name) for name in record.dataset.columns)


_RECORD_CLASSES: dict[str, type[Record]] = {}


def _record_class(spec: Dataset) -> type[Record]:
    """The record class of ``spec`` (``us-counties``: UsCountiesRecord), made once."""
    if spec.name not in _RECORD_CLASSES:
        class_name = "".join(part.title() for part in spec.name.split("-")) + "Record"
        types = {"date": date, **{name: int for name in spec.counts}}
        parsers = {date: date.fromisoformat, int: int, str: str}
        get_key = attrgetter(*spec.key)
        key_of = (lambda r: (get_key(r),)) if len(spec.key) == 1 else get_key
        made = make_dataclass(
            class_name,
            [(name, types.get(name, str)) for name in spec.columns],
            bases=(Record,),
            frozen=True,
            order=True,
            slots=True,
            namespace={
                "dataset": spec,
                "_parsers": tuple((n, parsers[types.get(n, str)]) for n in spec.columns),
                "__post_init__": lambda r: object.__setattr__(r, "key", key_of(r)),
            },
        )
        made.__module__ = "covid_etl.records"
        _RECORD_CLASSES[spec.name] = made
    return _RECORD_CLASSES[spec.name]


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
        table_key=DATASET_TABLE_KEYS["daily"],
        urls={
            NYT: "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv",
            JHU: "https://raw.githubusercontent.com/datasets/covid-19/main/data/time-series-19-covid-combined.csv",
        },
    ),
    US_COUNTIES: Dataset(
        name=US_COUNTIES,
        sources={NYT: COUNTY_SPEC},
        key=("date", "fips"),
        columns=("date", "fips", "county", "state", "cases", "deaths"),
        export_columns=("date", "fips", "county", "state", "cases", "deaths"),
        table="counties",
        table_key=DATASET_TABLE_KEYS["counties"],
        urls={
            NYT: "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us-counties.csv"
        },
        sorted_by_date=True,
        max_source_bytes=1024**3,  # NYT's file is ~100 MB
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
