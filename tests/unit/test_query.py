"""`etl query`: the SQL layer over the processed zone, on DuckDB, and its Athena text checked.

The Parquet files are the Glue job's own (glue/load_job.py to_parquet), laid out as in the bucket.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from etl_tools.cli import main
from etl_tools.local.state_store import State, StateStore
from etl_tools.query import daily_view_sql, run_query
from glue.load_job import to_parquet

HEADER = "date,cases,deaths,recovered\n"


def put(zone: Path, load_date: str, run_id: str, rows: str, loaded_at: str) -> str:
    key = f"processed/load_date={load_date}/{run_id}.parquet"
    (zone / key).parent.mkdir(parents=True, exist_ok=True)
    (zone / key).write_bytes(to_parquet(HEADER + rows, loaded_at))
    return key


@pytest.fixture
def zone(tmp_path: Path) -> Path:
    """Three loads: a day revised twice, the second revision on the same load date, by a run
    whose id sorts first (execution names on AWS are not in time order)."""
    put(
        tmp_path,
        "2020-06-01",
        "run-b",
        "2020-05-30,10,1,2\n2020-05-31,20,2,3\n",
        "2020-06-01T07:00:00+00:00",
    )
    put(tmp_path, "2020-06-02", "run-c", "2020-05-31,21,2,3\n", "2020-06-02T07:00:00+00:00")
    put(tmp_path, "2020-06-02", "run-a", "2020-05-31,22,2,3\n2020-06-01,30,3,4\n", "2020-06-02T09:00:00+00:00")  # fmt: skip
    return tmp_path


def rows(zone: Path, sql: str) -> list[tuple]:
    return run_query(zone, sql)[1]


def test_daily_holds_each_days_newest_value_once(zone: Path) -> None:
    header, daily = run_query(zone, "SELECT * FROM daily ORDER BY date")
    assert header == ["date", "cases", "deaths", "recovered"]
    assert [(str(d), c) for d, c, *_ in daily] == [
        ("2020-05-30", 10),
        ("2020-05-31", 22),
        ("2020-06-01", 30),
    ]
    assert rows(zone, "SELECT count(*) FROM processed") == [(5,)]


def test_a_file_without_loaded_at_counts_as_older_than_any_with_it(zone: Path) -> None:
    """Files the load job wrote before it added loaded_at: their values never win, and a zone
    of only such files still answers (the column reads as NULL)."""
    old = to_parquet(HEADER + "2020-05-31,99,9,9\n", "x")
    table = pq.read_table(io.BytesIO(old)).drop_columns(["loaded_at"])
    path = zone / "processed/load_date=2020-06-03/run-old.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)
    assert rows(zone, "SELECT cases FROM daily WHERE date = DATE '2020-05-31'") == [(22,)]
    only_legacy = zone / "only"
    (only_legacy / path.relative_to(zone)).parent.mkdir(parents=True)
    pq.write_table(table, only_legacy / path.relative_to(zone))
    assert rows(only_legacy, "SELECT cases FROM daily") == [(99,)]


# --- The portable subset: one query of each kind, run on DuckDB, its text checked for Athena ---


def athena_problems(sql: str) -> list[str]:
    """Why ``sql`` would not run the same on Athena (engine v3, Trino): it does not parse as
    Trino, it calls a function Trino does not have, or DuckDB reads the same text differently."""
    try:
        trino = sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as exc:
        return [str(exc).splitlines()[0]]
    problems = [f"{f.name}() is not a Trino function" for f in trino.find_all(exp.Anonymous)]
    if sqlglot.parse_one(sql, read="duckdb") != trino:
        problems.append("DuckDB and Trino read this text differently")
    return problems


PORTABLE = {
    "count": ("SELECT count(*) AS n FROM daily", [(3,)]),
    "filter with a date literal": (
        (
            "SELECT date, cases FROM daily WHERE date BETWEEN DATE '2020-05-31' AND DATE '2020-06-30' "
            "ORDER BY date LIMIT 1"
        ),
        [("2020-05-31", 22)],
    ),
    "aggregate by a date function": (
        (
            "SELECT year(date) AS y, month(date) AS m, max(cases) AS cases FROM daily "
            "GROUP BY year(date), month(date) ORDER BY y, m"
        ),
        [(2020, 5, 22), (2020, 6, 30)],
    ),
    "window (new cases per day)": (
        (
            "SELECT date, cases - lag(cases, 1, 0) OVER (ORDER BY date) AS new_cases FROM daily "
            "ORDER BY date"
        ),
        [("2020-05-30", 10), ("2020-05-31", 12), ("2020-06-01", 8)],
    ),
    "CTE and join (versions per day)": (
        (
            "WITH versions AS (SELECT date, count(*) AS n FROM processed GROUP BY date) "
            "SELECT d.date, v.n FROM daily AS d JOIN versions AS v ON v.date = d.date ORDER BY d.date"
        ),
        [("2020-05-30", 1), ("2020-05-31", 3), ("2020-06-01", 1)],
    ),
    "partition filter": (
        "SELECT count(*) AS n FROM processed WHERE load_date = '2020-06-02'",
        [(3,)],
    ),
}


@pytest.mark.parametrize("kind", PORTABLE)
def test_each_kind_of_portable_query_runs_on_duckdb_and_parses_for_athena(
    zone: Path, kind: str
) -> None:
    sql, expected = PORTABLE[kind]
    assert athena_problems(sql) == []
    answer = [
        tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in rows(zone, sql)
    ]
    assert answer == expected


def test_the_daily_view_is_portable_text() -> None:
    assert athena_problems(daily_view_sql()) == []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT strftime(date, '%Y') FROM daily",  # DuckDB's; Athena has date_format
        "SELECT date::VARCHAR FROM daily",  # DuckDB's cast; portable: CAST(date AS VARCHAR)
        "SELECT * FROM daily QUALIFY row_number() OVER (ORDER BY date) = 1",
        "SELECT list(cases) FROM daily",  # Trino: array_agg
    ],
)
def test_the_static_check_refuses_duckdb_only_sql(sql: str) -> None:
    assert athena_problems(sql) != []


# --- The command ---------------------------------------------------------------------------


def state_with(tmp_path: Path, objects: dict[str, bytes]) -> Path:
    state_dir = tmp_path / "state"
    with StateStore.open(state_dir, writable=True) as store:
        store.commit(State(s3=objects))
    return state_dir


def test_etl_query_prints_csv_with_a_header(
    zone: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    objects = {str(p.relative_to(zone)): p.read_bytes() for p in zone.rglob("*.parquet")}
    state_dir = state_with(tmp_path, {**objects, "staged/run-a/daily.csv": b"x"})
    code = main(["query", "--state-dir", str(state_dir), "SELECT * FROM daily ORDER BY date"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "date,cases,deaths,recovered"
    assert list(csv.reader(io.StringIO(out)))[2] == ["2020-05-31", "22", "2", "3"]


def test_bad_sql_exits_2_with_duckdbs_message(
    zone: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    objects = {str(p.relative_to(zone)): p.read_bytes() for p in zone.rglob("*.parquet")}
    state_dir = state_with(tmp_path, objects)
    assert main(["query", "--state-dir", str(state_dir), "SELECT nope FROM daily"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert 'etl query: error: Binder Error: Referenced column "nope" not found' in captured.err


def test_an_empty_zone_or_no_state_exits_4_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir = state_with(tmp_path, {"staged/run-a/daily.csv": b"x"})
    assert main(["query", "--state-dir", str(state_dir), "SELECT 1"]) == 4
    assert "no Parquet in the processed zone of" in capsys.readouterr().err
    assert main(["query", "--state-dir", str(tmp_path / "none"), "SELECT 1"]) == 4
    assert "no local state in" in capsys.readouterr().err
