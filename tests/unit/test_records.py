"""The join, the diff against the snapshot, and the CSV round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from covid_etl.merge_diff import UnsortedStream
from covid_etl.records import (
    NEW,
    RETRY,
    REVISED,
    DailyRecord,
    join_sources,
    plan_delta,
    reconcile,
    records_from_csv,
    settle_retries,
    to_csv,
)
from covid_etl.sources import SourceRow, SourceUnusable

D1, D2, D3 = date(2020, 3, 1), date(2020, 3, 2), date(2020, 3, 3)


def nyt(day: date, cases: int, deaths: int = 0) -> SourceRow:
    return SourceRow(day, {"cases": cases, "deaths": deaths})


def jhu(day: date, recovered: int) -> SourceRow:
    return SourceRow(day, {"recovered": recovered})


def test_inner_join_nyt_gives_cases_jhu_gives_recovered() -> None:
    result = join_sources([nyt(D1, 10, 1), nyt(D2, 20, 2)], [jhu(D2, 5), jhu(D3, 6)])
    assert result.records == [DailyRecord(D2, 20, 2, 5)]
    assert (result.nyt_only, result.jhu_only) == (1, 1)


def test_sources_that_share_no_day_are_unusable() -> None:
    with pytest.raises(SourceUnusable, match="share no day"):
        join_sources([nyt(D1, 1)], [jhu(D2, 1)])


def test_plan_new_revised_unchanged() -> None:
    snapshot = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0)]
    staged = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 3, 0, 0), DailyRecord(D3, 4, 0, 0)]
    plan = plan_delta(staged, snapshot, [])
    assert [(c.record.date, c.kind) for c in plan.changes] == [(D2, REVISED), (D3, NEW)]
    assert (plan.unchanged, plan.retried, plan.superseded) == (1, 0, 0)


def test_a_changed_row_supersedes_a_retry_of_its_day_an_unchanged_one_does_not() -> None:
    snapshot = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0)]
    staged = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 5, 0, 0)]
    retries = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0), DailyRecord(D3, 3, 0, 0)]
    plan = plan_delta(staged, snapshot, retries)
    assert sorted((c.record.date, c.kind) for c in plan.changes) == [
        (D1, RETRY),
        (D2, REVISED),
        (D3, RETRY),
    ]
    assert (plan.unchanged, plan.retried, plan.superseded) == (1, 2, 1)


def test_a_retry_older_than_its_days_newest_value_is_never_written() -> None:
    """D1 failed as 1, sat in the DLQ while upstream corrected it to 9 (loaded by a later run,
    so the snapshot holds 9), then was redriven: today's row is unchanged, or absent (outside
    a backfill window); either way the stale 1 must not overwrite 9."""
    snapshot = [DailyRecord(D1, 9, 0, 0), DailyRecord(D2, 2, 0, 0)]
    stale, current = DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0)
    for staged in ([DailyRecord(D1, 9, 0, 0), DailyRecord(D2, 2, 0, 0)], []):
        plan = plan_delta(staged, snapshot, [stale, current])
        assert [(c.record, c.kind) for c in plan.changes] == [(current, RETRY)]
        assert (plan.retried, plan.superseded) == (1, 1)


def test_of_two_retries_of_a_day_the_one_the_snapshot_holds_is_written() -> None:
    snapshot = [DailyRecord(D1, 5, 0, 0)]
    retries = [DailyRecord(D1, 5, 0, 0), DailyRecord(D1, 1, 0, 0)]  # the older one redriven last
    plan = plan_delta([], snapshot, retries)
    assert [c.record for c in plan.changes] == [DailyRecord(D1, 5, 0, 0)]
    assert (plan.retried, plan.superseded) == (1, 1)


def test_csv_round_trip_with_extra_columns() -> None:
    records = [DailyRecord(D1, 1, 2, 3)]
    data = to_csv(records, {"kind": [NEW]})
    assert data == b"date,cases,deaths,recovered,kind\n2020-03-01,1,2,3,new\n"
    assert records_from_csv(data) == records


def test_a_record_reads_from_a_csv_row_and_from_a_dynamodb_item_alike() -> None:
    """One reader for both: aws.batch_get_records and scan_records use DailyRecord.from_row."""
    expected = DailyRecord(date(2020, 4, 1), 200, 5, 10)
    csv_row = {"date": "2020-04-01", "cases": "200", "deaths": "5", "recovered": "10"}
    item = {"date": "2020-04-01", "cases": Decimal(200), "deaths": Decimal(5),
            "recovered": Decimal(10), "run_id": "r1"}  # fmt: skip
    assert DailyRecord.from_row(csv_row) == expected == DailyRecord.from_row(item)


def delta_row(day: date, cases: int, kind: str = NEW, origin: str = "today") -> dict[str, str]:
    return {**DailyRecord(day, cases, 0, 0).as_row(), "kind": kind, "origin": origin}


def test_reconcile_counts_a_row_loaded_only_if_the_table_holds_exactly_it() -> None:
    delta = [delta_row(D1, 1), delta_row(D2, 2, REVISED), delta_row(D3, 3)]
    loaded = {
        (D1,): DailyRecord(D1, 1, 0, 0),
        (D2,): DailyRecord(D2, 2, 0, 0),
        (D3,): DailyRecord(D3, 9, 0, 0),
    }
    counts, outcomes = reconcile(delta, loaded, reasons={})
    assert counts == {"inserted": 1, "updated": 1, "failed": 1}
    assert outcomes == [
        ("loaded", ""),
        ("loaded", ""),
        ("failed", "not in the table after the load"),
    ]
    _, outcomes = reconcile(delta[2:], {}, reasons={"2020-03-03": "ProvisionedThroughputExceeded"})
    assert outcomes == [("failed", "ProvisionedThroughputExceeded")]


def outcome_row(day: date, outcome: str, origin: str = "today") -> dict[str, str]:
    reason = "" if outcome == "loaded" else "throttled"
    return {**delta_row(day, 1, origin=origin), "outcome": outcome, "reason": reason}


def retry(day: date, handle: str) -> dict:
    return {"record": DailyRecord(day, 1, 0, 0).as_row(), "receipt_handle": handle}


def test_settling_retries_deletes_loaded_keeps_failed_retries_and_queues_new_failures() -> None:
    outcome = [
        outcome_row(D1, "loaded", origin=RETRY),
        outcome_row(D2, "failed", origin=RETRY),
        outcome_row(D3, "failed"),
    ]
    retries = [
        retry(D1, "h1"),
        retry(D2, "h2"),
        retry(D2, "h2-twin"),
        retry(date(2020, 2, 1), "old"),
    ]
    settlement = settle_retries("run-7", iter(outcome), retries)
    to_send = list(settlement.to_send)  # the handles are complete once the messages are read
    assert settlement.to_keep == ["h2"]  # SQS counts the receive: the DLQ after maxReceiveCount
    assert sorted(settlement.to_delete) == ["h1", "h2-twin", "old"]
    assert to_send == [
        {
            "run_id": "run-7",
            "kind": NEW,
            "record": DailyRecord(D3, 1, 0, 0).as_row(),
            "reason": "throttled",
        }
    ]


def test_the_plan_reads_the_snapshot_as_a_stream_sorted_by_date() -> None:
    unsorted = iter([DailyRecord(D2, 2, 0, 0), DailyRecord(D1, 1, 0, 0)])
    with pytest.raises(UnsortedStream, match="the snapshot is not sorted"):
        plan_delta([DailyRecord(D3, 3, 0, 0)], unsorted, [])
