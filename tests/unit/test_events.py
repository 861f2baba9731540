"""The events' pure rules: PutEvents calls of <= 10 entries and <= 256 KB, sized as AWS sizes them,
and the before -> after of a loaded delta row."""

from __future__ import annotations

import json

import pytest

from covid_etl import events


def entry_of(detail_bytes: int) -> events.Entry:
    return events.entry("bus", events.RECORD_CHANGED, {"pad": "x" * detail_bytes})


def test_a_call_holds_at_most_ten_entries() -> None:
    calls = list(events.calls([entry_of(10) for _ in range(25)]))
    assert [len(c) for c in calls] == [10, 10, 5]


def test_a_call_holds_at_most_256_kb() -> None:
    big = entry_of(100_000)  # three of them exceed 256 KB
    calls = list(events.calls([big] * 5))
    assert [len(c) for c in calls] == [2, 2, 1]
    assert all(sum(events.entry_size(e) for e in c) <= events.MAX_BYTES_PER_CALL for c in calls)


def test_an_entry_is_sized_as_aws_sizes_it() -> None:
    event = entry_of(0)
    expected = 14 + len("covid-etl") + len("RecordChanged") + len(event["Detail"].encode())
    assert events.entry_size(event) == expected


def test_an_entry_over_256_kb_is_refused_before_any_call() -> None:
    with pytest.raises(ValueError, match="exceeds PutEvents' 256 KB"):
        list(events.calls([entry_of(300_000)]))


def test_a_revised_row_says_before_and_after_and_a_new_one_has_no_before() -> None:
    revised = {"date": "2020-06-01", "cases": "12", "deaths": "3", "recovered": "4",
               "kind": "revised", "before_cases": "10", "before_deaths": "3",
               "before_recovered": "4"}  # fmt: skip
    new = {**revised, "date": "2020-06-02", "kind": "new", "before_cases": "",
           "before_deaths": "", "before_recovered": ""}  # fmt: skip
    [first, second] = events.changes([revised, new])
    assert first["before"] == {"cases": 10, "deaths": 3, "recovered": 4}
    assert first["after"] == {"cases": 12, "deaths": 3, "recovered": 4}
    assert second["before"] is None and second["change"] == "new"
    detail = json.loads(events.record_changed("bus", "run-1", first)["Detail"])
    assert detail["id"] == "run-1/2020-06-01" and detail["run_id"] == "run-1"
