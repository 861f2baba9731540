"""covid_etl.datasets: the dataset specs, and the county file through the same validate()."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from covid_etl.contract import DATASET_TABLE_KEYS, NAME_TEMPLATES
from covid_etl.datasets import (
    COPY_OBJECT_MAX_BYTES,
    DATASETS,
    US,
    US_COUNTIES,
    UnknownDataset,
    dataset,
)
from covid_etl.sources import NYT, ValidatedSource, validate

TODAY = date(2021, 1, 5)
HEADER = "date,county,state,fips,cases,deaths"


SPEC = DATASETS[US_COUNTIES].sources[NYT]


def counties(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows)).encode()


def validated(*rows: str) -> ValidatedSource:
    return validate(NYT, counties(*rows), run_date=TODAY, spec=SPEC)


def test_no_dataset_named_is_the_national_series() -> None:
    assert dataset(None) is DATASETS[US] and dataset(None).key == ("date",)


def test_an_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(UnknownDataset, match="'states'.*known: us, us-counties"):
        dataset("states")


@pytest.mark.parametrize("name", list(DATASETS))
def test_a_spec_keys_its_table_and_columns_with_its_key(name: str) -> None:
    spec = DATASETS[name]
    assert spec.columns[: len(spec.key)] == spec.key
    assert spec.table_key == spec.key and set(spec.export_columns) == set(spec.columns)


def test_the_contract_declares_one_table_per_dataset_keyed_as_the_dataset() -> None:
    """Terraform creates the tables from the contract's dataset_tables: none without a dataset,
    each with the dataset's key and a name template."""
    assert {spec.table: spec.key for spec in DATASETS.values()} == DATASET_TABLE_KEYS
    assert all(f"{table}_table" in NAME_TEMPLATES for table in DATASET_TABLE_KEYS)


def test_a_spec_keyed_otherwise_than_its_contract_table_is_refused() -> None:
    spec = DATASETS[US_COUNTIES]
    with pytest.raises(ValueError, match="must start with its key"):
        replace(spec, table_key=("date",))


def test_county_rows_are_keyed_by_date_and_fips() -> None:
    rows = validated(
        "2021-01-02,Autauga,Alabama,01001,10,1",
        "2021-01-01,Baldwin,Alabama,01003,20,2",
        "2021-01-01,Autauga,Alabama,01001,9,1",
    ).rows
    assert [(r.date.day, r.labels["fips"], r.values["cases"]) for r in rows] == [
        (1, "01001", 9),
        (1, "01003", 20),
        (2, "01001", 10),
    ]
    assert rows[0].labels == {"county": "Autauga", "state": "Alabama", "fips": "01001"}


def test_rows_without_fips_are_keyed_by_state_and_county_after_the_coded_ones() -> None:
    rows = validated(
        "2021-01-01,New York City,New York,,100,5",
        "2021-01-01,Unknown,Washington,,3,0",
        "2021-01-01,Unknown,New York,,1,0",
        "2021-01-01,Albany,New York,36001,7,0",
    ).rows
    assert [SPEC.key_of(r) for r in rows] == [
        ("36001",),
        ("New York/New York City",),
        ("New York/Unknown",),
        ("Washington/Unknown",),
    ]


def test_a_conflicting_county_duplicate_quarantines_its_key_only() -> None:
    result = validated(
        "2021-01-01,Autauga,Alabama,01001,9,1",
        "2021-01-01,Autauga,Alabama,01001,8,1",
        "2021-01-01,Baldwin,Alabama,01003,20,2",
        "2021-01-01,Baldwin,Alabama,01003,20,2",
    )
    assert [r.labels["fips"] for r in result.rows] == ["01003"]
    assert [(r.line_number, r.reason) for r in result.rejects] == [
        (2, "conflicting duplicates of 2021-01-01, fips 01001 on lines 2, 3: key quarantined"),
        (3, "conflicting duplicates of 2021-01-01, fips 01001 on lines 2, 3: key quarantined"),
        (5, "identical duplicate of line 4 (collapsed)"),
    ]
    assert [r.line for r in result.rejects] == [
        "2021-01-01,Autauga,Alabama,01001,9,1",
        "2021-01-01,Autauga,Alabama,01001,8,1",
        "2021-01-01,Baldwin,Alabama,01003,20,2",
    ]


def test_the_county_file_keeps_the_national_reject_reasons() -> None:
    [reject] = validated(
        "2021-01-01,Autauga,Alabama,01001,-9,1", "2021-01-01,Baldwin,Alabama,01003,1,1"
    ).rejects
    assert reject.reason == "negative cases -9"


def test_no_county_key_is_empty_as_dynamodb_refuses_empty_key_attributes() -> None:
    """DynamoDB: key attributes of type String must be non-empty (non-key ones may be empty)."""
    rows = validated("2021-01-01,,,,1,0", "2021-01-01,Unknown,Guam,,2,0").rows
    assert [SPEC.key_of(r) for r in rows] == [("/",), ("Guam/Unknown",)]


def test_a_datasets_record_is_typed_keyed_and_ordered_by_its_spec() -> None:
    county = DATASETS[US_COUNTIES].record
    row = {"date": "2021-01-01", "fips": "New York/New York City", "county": "New York City",
           "state": "New York", "cases": "100", "deaths": "5", "run_id": "ignored"}  # fmt: skip
    record = county.from_row(row)
    assert (record.date, record.cases) == (date(2021, 1, 1), 100)
    assert record.key == (date(2021, 1, 1), "New York/New York City")
    assert record.key_text == "2021-01-01/New York/New York City"
    assert record.counts() == {"cases": 100, "deaths": 5}
    assert record.as_row() == {k: v for k, v in row.items() if k != "run_id"}
    coded = county.from_row({**row, "fips": "36061"})
    assert sorted([record, coded]) == [coded, record]  # by key: codes before stand-ins
    assert DATASETS[US].record is DATASETS[US].record  # made once


def test_a_spec_whose_columns_do_not_start_with_its_key_is_refused() -> None:
    spec = DATASETS[US_COUNTIES]
    with pytest.raises(ValueError, match="must start with its key"):
        replace(spec, columns=("fips", "date", *spec.columns[2:]))


def test_a_spec_whose_size_limit_is_over_what_copy_object_copies_is_refused() -> None:
    # ExtractSource copies an upload or an unchanged download with CopyObject: 5 GB at most.
    counties = DATASETS[US_COUNTIES]
    assert replace(counties, max_source_bytes=COPY_OBJECT_MAX_BYTES).max_source_bytes
    with pytest.raises(ValueError, match="over the 5,368,709,120 bytes S3's CopyObject copies"):
        replace(counties, max_source_bytes=COPY_OBJECT_MAX_BYTES + 1)
