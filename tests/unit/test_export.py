"""`etl export`'s formats (etl_tools/export.py), pure: a window of the records, by key, as CSV,
JSON (counts as numbers) or Parquet (the processed zone's types). The command itself, on a saved
state, is tested in tests/e2e/test_cli.py."""

from __future__ import annotations

import io
import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from covid_etl.records import DailyRecord
from etl_tools import export

D1, D2, D3 = (date(2020, 4, day) for day in (1, 2, 3))
RECORDS = [DailyRecord(D3, 30, 3, 1), DailyRecord(D1, 10, 1, 0), DailyRecord(D2, 20, 2, 0)]


def test_the_window_keeps_the_days_between_its_ends_inclusive() -> None:
    assert export.in_window(RECORDS, D2, D3) == [RECORDS[0], RECORDS[2]]
    assert export.in_window(RECORDS, None, D1) == [RECORDS[1]]
    assert export.in_window(RECORDS, None, None) == RECORDS


def test_csv_is_by_date_in_the_export_columns() -> None:
    assert export.render(RECORDS, "csv") == (
        "date,cases,deaths,recovered\n2020-04-01,10,1,0\n2020-04-02,20,2,0\n2020-04-03,30,3,1\n"
    )


def test_json_is_by_date_with_the_counts_as_numbers() -> None:
    rows = json.loads(export.render(RECORDS, "json"))
    assert rows[0] == {"date": "2020-04-01", "cases": 10, "deaths": 1, "recovered": 0}
    assert [row["date"] for row in rows] == ["2020-04-01", "2020-04-02", "2020-04-03"]


def test_parquet_has_the_processed_zones_types_and_no_load_time() -> None:
    table = pq.read_table(io.BytesIO(export.render(RECORDS, "parquet")))
    assert table.schema.names == ["date", "cases", "deaths", "recovered"]
    assert table.schema.field("date").type == pa.date32()
    assert table.schema.field("cases").type == pa.int64()
    assert table.column("date").to_pylist() == [D1, D2, D3]
